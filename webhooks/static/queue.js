// The NHS.UK design system's own behaviour on the queue pages: the header's menu, radios
// that reveal more, the skip link. The design system's page template marks the body with
// an inline script; it is done here instead, so the pages run under a
// Content-Security-Policy without 'unsafe-inline'. A browser that runs modules is one the
// design system supports.
import { initAll } from './nhsuk/nhsuk-frontend.min.js';

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported');
initAll();
