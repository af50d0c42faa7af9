/**
 * The path and query of an HTTP request's target, as Node hands it over: the
 * request line as the client sent it, which can be anything (`//[`,
 * `http://a:99999/`). `new URL()` throws on those, and a throw in a request or
 * upgrade listener takes the whole relay down, so these split the text
 * instead and never throw.
 */
export function requestPath(target = '/'): string {
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

export function requestQuery(target = ''): URLSearchParams {
  const query = target.indexOf('?');
  return new URLSearchParams(query < 0 ? '' : target.slice(query + 1));
}
