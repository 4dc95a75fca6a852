// The site page's sections are <details> sent open, so a page without JavaScript hides nothing.
// On a phone they start folded under the answer at the top ("who is here now"), except the one a
// link points into (a pager's #deployments, a #history link).

// Keep in step with the breakpoint in phone.css.
const PHONE = window.matchMedia("(max-width: 600px)");

const target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;

// The link's target may be inside a section (#deployments) or wrap one (#history).
const pointedAt = (section) => target && (section.contains(target) || target.contains(section));

for (const section of document.querySelectorAll("details.fold")) {
  if (PHONE.matches && !pointedAt(section)) section.open = false;
  // Leaflet measures its box once and follows window resizes: a map drawn while folded (or
  // folded while drawing) is measured again when its section opens.
  section.addEventListener("toggle", () => {
    if (section.open && section.querySelector(".leaflet-container")) {
      window.dispatchEvent(new Event("resize"));
    }
  });
}
