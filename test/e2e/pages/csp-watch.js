// The first script of the strict-CSP pages (a classic, render-blocking script, so it runs before
// any module): records every `securitypolicyviolation` of this tab in window.__cspViolations and
// in sessionStorage (key `e2e-csp-violations`), so that violations from before a trip to the
// provider are still there when the page comes back.
(() => {
  const KEY = 'e2e-csp-violations';
  let violations;
  try {
    violations = JSON.parse(sessionStorage.getItem(KEY) ?? '[]');
  } catch {
    violations = [];
  }
  window.__cspViolations = violations;
  window.addEventListener('securitypolicyviolation', (e) => {
    violations.push({
      effectiveDirective: e.effectiveDirective,
      violatedDirective: e.violatedDirective,
      blockedURI: e.blockedURI,
      sample: e.sample,
      sourceFile: e.sourceFile,
      lineNumber: e.lineNumber,
      page: location.pathname,
    });
    sessionStorage.setItem(KEY, JSON.stringify(violations));
  }, true);
})();
