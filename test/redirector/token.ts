/** The bearer token the auxiliary shortener accepts in the redirector tests. */
export const TOKEN = 'redirector-test-token';
