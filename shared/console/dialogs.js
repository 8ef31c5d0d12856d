// Modal dialogs: a newly issued secret (shown once) and a confirmation.
import { h } from './dom.js';

async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Fallback for browsers without the async clipboard: select and copy.
    if (input) {
      input.focus();
      input.select();
      try {
        return document.execCommand('copy');
      } catch {
        return false;
      }
    }
    return false;
  }
}

function copyRow(value, testId, label) {
  const input = h('input', { type: 'text', class: 'secret-input', readOnly: true, value, spellcheck: 'false', 'aria-label': label, 'data-testid': testId });
  const status = h('span', { class: 'copy-status', role: 'status' });
  const button = h('button', {
    type: 'button',
    class: 'btn secondary small',
    onClick: async () => {
      const ok = await copyText(input.value, input);
      status.textContent = ok ? 'Copied' : 'Select the text and copy it';
    },
  }, 'Copy');
  input.addEventListener('focus', () => input.select());
  return h('div', { class: 'copy-row' }, input, button, status);
}

/**
 * Shows a newly issued secret once: `from[field]` of an API response, which is deleted
 * from it. Resolves when the dialog closes; then the dialog's DOM is emptied and no
 * reference to the secret is kept.
 */
export function showSecret({ title, subject, from, field, note }) {
  const dialog = document.getElementById('secret-dialog');
  // The API response that carried the secret loses it here: the dialog is its only holder.
  let value = from[field];
  delete from[field];
  const body = h('div', { class: 'dialog-body' },
    h('h2', { id: 'secret-title' }, title),
    subject ? h('p', { class: 'secret-subject' }, subject) : null,
    h('p', { class: 'warning', role: 'note' },
      h('strong', {}, 'Copy it now: it will not be shown again. '),
      'latchkey keeps only a hash of it; if it is lost, issue a new one.'),
    h('div', { class: 'secret-block' }, h('span', { class: 'secret-label' }, 'Secret'), copyRow(value, 'secret-value', 'Secret')),
    h('div', { class: 'secret-block' }, h('span', { class: 'secret-label' }, 'For the latchkey CLI'),
      copyRow(`export LATCHKEY_CLI_TOKEN=${value}`, 'secret-export', 'Shell export line')),
    note ? h('p', { class: 'muted' }, note) : null,
  );
  const done = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'secret-done' }, 'I have copied it');
  dialog.replaceChildren(body, h('div', { class: 'dialog-actions' }, done));
  return new Promise((resolve) => {
    let closed = false;
    const onClose = () => {
      if (closed) return;
      closed = true;
      dialog.removeEventListener('close', onClose);
      dialog.replaceChildren();
      value = null;
      resolve();
    };
    // Escape closes the dialog too: the close event empties it either way.
    dialog.addEventListener('close', onClose);
    done.addEventListener('click', () => {
      dialog.close();
      onClose();
    });
    dialog.showModal();
    done.focus();
  });
}

/** Asks before a destructive action. Resolves true when confirmed. */
export function confirmAction({ title, message, confirmLabel = 'Confirm', danger = true }) {
  const dialog = document.getElementById('confirm-dialog');
  const ok = h('button', { type: 'button', class: `btn ${danger ? 'danger' : 'primary'}`, 'data-testid': 'confirm-ok' }, confirmLabel);
  const cancel = h('button', { type: 'button', class: 'btn secondary', 'data-testid': 'confirm-cancel' }, 'Cancel');
  dialog.replaceChildren(
    h('div', { class: 'dialog-body' }, h('h2', { id: 'confirm-title' }, title), h('p', {}, message)),
    h('div', { class: 'dialog-actions' }, cancel, ok),
  );
  return new Promise((resolve) => {
    let answer = false;
    const onClose = () => {
      dialog.removeEventListener('close', onClose);
      dialog.replaceChildren();
      resolve(answer);
    };
    dialog.addEventListener('close', onClose);
    ok.addEventListener('click', () => { answer = true; dialog.close(); });
    cancel.addEventListener('click', () => dialog.close());
    dialog.showModal();
    cancel.focus();
  });
}
