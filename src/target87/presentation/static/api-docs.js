// Starts Swagger UI on the API documentation page (no inline script: the CSP forbids it).
// validatorUrl: null keeps Swagger UI from sending the spec to validator.swagger.io.
window.addEventListener("DOMContentLoaded", function () {
  var target = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: target.dataset.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
