// One line at the top of the page for results of quick actions (acknowledge, unshelve) that have
// no dialog to show their refusal in.

const el = () => document.getElementById('notice');
let timer;

export function showNotice(text) {
  const notice = el();
  notice.textContent = text;
  notice.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => (notice.hidden = true), 10_000);
}

export function clearNotice() {
  el().hidden = true;
}
