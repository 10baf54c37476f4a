// Logging in with a name and password (POST /api/v1/session) before the token form, which stays
// for API-token users; logging out ends the session on the server; a 401 for an expired or ended
// session says so and brings the login form back. The session token is kept where an API token
// is (token.js), so every call and the live stream carry it the same way.

import { currentLang } from './i18n.js';
import { clearToken, getToken, setToken } from './token.js';

const TEXT = {
  zh: {
    title: '登录',
    name: '用户名',
    password: '密码',
    submit: '登录',
    orToken: '或使用管理员发放的访问令牌：',
    bad: '用户名或密码错误。',
    locked: '账户已锁定，请 {n} 分钟后再试',
    lockedHint: '（或请管理员解锁）',
    throttled: '尝试过于频繁，请 {n} 秒后再试。',
    disabled: '账户已停用，请联系管理员。',
    expired: '会话已过期，请重新登录。',
    ended: '已退出，请重新登录。',
    failed: '登录失败：{message}',
  },
  en: {
    title: 'Sign in',
    name: 'User name',
    password: 'Password',
    submit: 'Sign in',
    orToken: 'Or use an access token issued by an administrator:',
    bad: 'Wrong user name or password.',
    locked: 'Account locked: try again in {n} min',
    lockedHint: ' (or ask an administrator to unlock it)',
    throttled: 'Too many attempts: try again in {n} s.',
    disabled: 'Account disabled: ask an administrator.',
    expired: 'Your session has expired: sign in again.',
    ended: 'Signed out: sign in again.',
    failed: 'Sign-in failed: {message}',
  },
};

function say(key, vars = {}) {
  const table = TEXT[currentLang()] ?? TEXT.zh;
  return (table[key] ?? TEXT.zh[key]).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

/** Session tokens start with ss_, API tokens with sb_ (dashboard-api/src/users/session-store.ts). */
function isSession(token) {
  return typeof token === 'string' && token.startsWith('ss_');
}

/** What a refused login means for the person at the form, from the API's answer. */
export function loginMessage(status, body) {
  if (status === 401) return say('bad');
  if (status === 423) return say('locked', { n: Math.max(1, Math.ceil((body?.retryAfterS ?? 60) / 60)) }) + say('lockedHint');
  if (status === 429) return say('throttled', { n: body?.retryAfterS ?? /retry in (\d+)/.exec(body?.message ?? '')?.[1] ?? 60 });
  if (status === 403 && body?.reason === 'account_disabled') return say('disabled');
  return say('failed', { message: body?.message ?? String(status) });
}

/** The words for a 401 that ended a session, or null for any other 401 (a bad API token). */
export function unauthorizedMessage(body) {
  if (body?.reason === 'session_expired') return say('expired');
  if (body?.reason === 'session_ended') return say('ended');
  if (body?.reason === 'account_disabled') return say('disabled');
  return null;
}

let els = null;

/** Puts the name-and-password form into the login section, before the token form. */
export function mountPasswordLogin({ section, tokenForm, onLoggedIn }) {
  const form = document.createElement('form');
  form.id = 'password-form';
  form.innerHTML = `
    <h2 data-session="title"></h2>
    <label for="login-name"><span data-session="name"></span>
      <input id="login-name" name="username" autocomplete="username" required maxlength="64">
    </label>
    <label for="login-password"><span data-session="password"></span>
      <input id="login-password" name="password" type="password" autocomplete="current-password" required maxlength="256">
    </label>
    <p id="password-error" class="dialog-error" role="alert" hidden></p>
    <button type="submit" class="primary" data-session="submit"></button>`;
  const or = document.createElement('p');
  or.className = 'login-or';
  or.dataset.session = 'orToken';
  section.insertBefore(form, tokenForm);
  section.insertBefore(or, tokenForm);
  els = { form, name: form.querySelector('#login-name'), password: form.querySelector('#login-password'), error: form.querySelector('#password-error'), button: form.querySelector('button') };
  renderLoginTexts();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = els.name.value.trim();
    const password = els.password.value;
    if (!name || !password) return;
    els.button.disabled = true;
    try {
      const res = await fetch('/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ name, password }) });
      const body = await res.json().catch(() => null);
      if (!res.ok) return showLoginError(loginMessage(res.status, body));
      els.password.value = '';
      showLoginError(null);
      setToken(body.token);
      onLoggedIn();
    } catch (err) {
      showLoginError(say('failed', { message: err?.message ?? String(err) }));
    } finally {
      els.button.disabled = false;
    }
  });
}

export function showLoginError(message) {
  if (!els) return;
  els.error.hidden = !message;
  els.error.textContent = message ?? '';
}

export function renderLoginTexts() {
  for (const el of document.querySelectorAll('[data-session]')) el.textContent = say(el.dataset.session);
}

/** The first field of the login: the name, where the password form is. */
export function focusLogin() {
  els?.name.focus();
}

/** Logs out: a session is ended on the server (best effort: the token is forgotten here anyway). */
export async function endSession() {
  const token = getToken();
  clearToken();
  if (!isSession(token)) return;
  try {
    await fetch('/api/v1/session', { method: 'DELETE', headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  } catch {
    // Offline: the session ends by itself at its idle limit; the browser no longer holds it.
  }
}
