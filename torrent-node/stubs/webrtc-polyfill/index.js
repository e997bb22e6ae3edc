// No WebRTC in torrent-node (see package.json): simple-peer sees these as unsupported.
export const RTCPeerConnection = undefined;
export const RTCSessionDescription = undefined;
export const RTCIceCandidate = undefined;
export default {};
