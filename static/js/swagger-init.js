// Starts Swagger UI on /docs. A file, not an inline script, so the page keeps script-src 'self'.

const element = document.getElementById("swagger-ui");

window.SwaggerUIBundle({
  url: element.dataset.openapiUrl,
  domNode: element,
  layout: "BaseLayout",
  presets: [window.SwaggerUIBundle.presets.apis],
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  // The default sends the schema's address to validator.swagger.io for a badge image.
  validatorUrl: null,
  onComplete: () => {
    document.body.dataset.ready = "true";
  },
});
