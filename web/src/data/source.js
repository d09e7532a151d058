// The page reads everything through one data-source interface, with two implementations:
//   LiveSource      (data/live.js)      the JSON API of `annlab serve` (docs/dashboard.md)
//   EmbeddedSource  (data/embedded.js)  an `annlab.run` document embedded in a report
//
// Both provide (all async unless noted):
//   live                 boolean (sync): true when training and server exports are possible
//   session()            the session object (network, data, config, status, epoch, recorded)
//   history(since)       {status, epoch, records: [...]} with records of epoch > since
//   series(since)        {epochs, parameters, prediction, target}, epochs > since when given
//   state(epoch)         {epoch, trace}: the probe row's trace at the latest recorded epoch ≤ epoch
//   surface(epoch, size) the surface document (plane / curve / none)
//   fit(epoch)           the fit document (regression / classification)
//   verify(epoch, name)  {name, epoch, analytic, numeric, abs_error, rel_error, epsilon}
// Live-only extras (LiveSource): datasets(), upload(), createSession(), train(), pause(),
// reset(), exportUrl().
//
// Errors are thrown as ApiError with the server's one-line message; the app shows them.
export class ApiError extends Error {
  constructor(message, status = 0) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}
