// Starts ReDoc on /redoc. A file, not an inline script, so the page keeps script-src 'self'.

const element = document.getElementById("redoc");

window.Redoc.init(element.dataset.openapiUrl, {}, element, () => {
  document.body.dataset.ready = "true";
});
