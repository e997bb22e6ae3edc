// Starts Swagger UI on the API's own document (a file, not an inline script: the CSP forbids those).
window.SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#docs',
  deepLinking: true,
  persistAuthorization: true,
});
