// A new device's secret, shown this once: the gateway keeps only a key derived from it, so a secret
// lost here means removing the device and adding it again. The dialog says so, offers copy and a
// CSV download (the import's columns), and does not close by Escape or a stray click until the
// admin has copied, downloaded or said he saved it. On close the secret leaves the page's DOM.

import { h } from '../dom.js';
import { st } from '../site-admin-text.js';

function csv({ site, device, username, secret }) {
  // Ids and secrets hold no comma or quote (A-Z a-z 0-9 _ - and Crockford base32): no quoting needed.
  return `\uFEFFsite,device,username,secret\r\n${site},${device},${username},${secret}\r\n`;
}

async function copyText(text, fallbackEl) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Duty rooms reach the gateway over plain http, where the clipboard API is refused: select the
    // text and use the older copy command.
    const range = document.createRange();
    range.selectNodeContents(fallbackEl);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    return document.execCommand('copy');
  }
}

/** Opens the dialog; resolves when it is closed. */
export function showSecretOnce(entry) {
  let saved = false;
  const secretEl = h('code', { class: 'secret-value', dataset: { secret: 'value' } }, entry.secret);
  const note = h('span', { class: 'secret-copied', role: 'status', 'aria-live': 'polite' });
  const close = h('button', { type: 'button', class: 'primary secret-close', disabled: true }, st('closeSecret'));
  const savedBox = h('input', { type: 'checkbox', class: 'secret-saved', id: 'secret-saved' });
  const markSaved = () => {
    saved = true;
    savedBox.checked = true;
    close.disabled = false;
  };
  savedBox.addEventListener('change', () => {
    saved = savedBox.checked;
    close.disabled = !saved;
  });
  const dialog = h(
    'dialog',
    { class: 'secret-once', 'aria-labelledby': 'secret-once-title' },
    h('h2', { id: 'secret-once-title' }, st('secretTitle', { device: `${entry.site}/${entry.device}` })),
    h('p', { class: 'secret-warning', role: 'alert' }, st('secretWarning')),
    h('dl', { class: 'secret-fields' }, h('dt', {}, st('username')), h('dd', {}, h('code', { class: 'secret-username' }, entry.username)), h('dt', {}, st('secret')), h('dd', {}, secretEl)),
    h(
      'div',
      { class: 'secret-actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'secret-copy',
          onclick: async () => {
            const ok = await copyText(entry.secret, secretEl);
            note.textContent = ok ? st('copied') : st('copyFailed');
            if (ok) markSaved();
          },
        },
        st('copy'),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secret-download',
          onclick: () => {
            const url = URL.createObjectURL(new Blob([csv(entry)], { type: 'text/csv;charset=utf-8' }));
            const a = h('a', { href: url, download: `${entry.site}-${entry.device}-secret.csv` });
            document.body.append(a);
            a.click();
            a.remove();
            setTimeout(() => URL.revokeObjectURL(url), 60_000);
            markSaved();
          },
        },
        st('download'),
      ),
      note,
    ),
    h('label', { class: 'secret-saved-label', for: 'secret-saved' }, savedBox, ' ', st('savedIt')),
    h('div', { class: 'dialog-buttons' }, close),
  );
  // Escape would close it before the secret is kept somewhere.
  dialog.addEventListener('cancel', (e) => {
    if (!saved) e.preventDefault();
  });
  document.body.append(dialog);
  return new Promise((resolve) => {
    close.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve();
    });
    dialog.showModal();
    close.disabled = true;
  });
}
