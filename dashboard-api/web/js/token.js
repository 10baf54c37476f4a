// The officer's access token, kept in this browser (localStorage) between visits.

const KEY = 'shaobing.token';

export function getToken() {
  return localStorage.getItem(KEY);
}

export function setToken(token) {
  localStorage.setItem(KEY, token);
}

export function clearToken() {
  localStorage.removeItem(KEY);
}
