import { z } from 'zod';
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  errors,
  idParam,
  jsonBody,
  jsonContent,
  noContent,
  route,
  USER_AUTH,
} from '../http.js';
import { CreatePushSubscriptionRequest, PushDevice, PushStatus, UpdatePushDeviceRequest } from '../push.js';

const tags = ['Notifications'];
const DeviceParams = z.object({ id: idParam('Device') });

/** Web push: the caller's devices (every user manages their own). */
export const PushRoutes = {
  status: route({
    method: 'get',
    path: '/push',
    tags,
    summary: 'The VAPID public key and the caller’s subscribed devices',
    security: USER_AUTH,
    responses: { 200: jsonContent(PushStatus, 'Push for this account'), ...errors(...AUTH_ERRORS) },
  }),
  subscribe: route({
    method: 'post',
    path: '/push/devices',
    tags,
    summary: 'Subscribe this device (the same endpoint again updates it)',
    security: USER_AUTH,
    request: { body: jsonBody(CreatePushSubscriptionRequest) },
    responses: {
      201: jsonContent(PushDevice, 'The device'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 503),
    },
  }),
  update: route({
    method: 'patch',
    path: '/push/devices/{id}',
    tags,
    summary: 'Choose what this device is told',
    security: USER_AUTH,
    request: { params: DeviceParams, body: jsonBody(UpdatePushDeviceRequest) },
    responses: {
      200: jsonContent(PushDevice, 'The device'),
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404),
    },
  }),
  remove: route({
    method: 'delete',
    path: '/push/devices/{id}',
    tags,
    summary: 'Unsubscribe a device',
    security: USER_AUTH,
    request: { params: DeviceParams },
    responses: { 204: noContent('Unsubscribed'), ...errors(...AUTH_ERRORS, 404) },
  }),
  test: route({
    method: 'post',
    path: '/push/devices/{id}/test',
    tags,
    summary: 'Send a test notification to a device',
    security: USER_AUTH,
    request: { params: DeviceParams },
    responses: { 202: noContent('Queued'), ...errors(...AUTH_ERRORS, 404, 503) },
  }),
};
