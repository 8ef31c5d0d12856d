// A paged table: loading, empty and error states, and "Load more" following next_cursor.
import { h, describeError } from './dom.js';

/**
 * pagedTable({columns: [{label, class}], fetchPage: cursor => Promise<{items, next_cursor}>,
 *             row: item => <tr>, empty: 'No …'})
 * Returns {el, reload}.
 */
export function pagedTable({ columns, fetchPage, row, empty, testId }) {
  const tbody = h('tbody');
  const table = h('table', { class: 'data', 'data-testid': testId },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
    tbody);
  const status = h('p', { class: 'table-status', role: 'status' });
  const more = h('button', { type: 'button', class: 'btn secondary', hidden: true }, 'Load more');
  const el = h('div', { class: 'table-wrap' }, h('div', { class: 'table-scroll' }, table), status, h('div', { class: 'more' }, more));
  let cursor = null;
  let generation = 0;

  async function load(reset) {
    const mine = reset ? ++generation : generation;
    if (reset) {
      cursor = null;
      tbody.replaceChildren();
      table.hidden = true;
    }
    status.className = 'table-status loading';
    status.textContent = 'Loading…';
    more.disabled = true;
    try {
      const page = await fetchPage(cursor);
      if (mine !== generation) return;
      for (const item of page.items || []) tbody.append(row(item));
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      table.hidden = tbody.children.length === 0;
      status.className = tbody.children.length ? 'table-status' : 'table-status empty';
      status.textContent = tbody.children.length ? '' : empty;
    } catch (err) {
      if (mine !== generation) return;
      status.className = 'table-status error';
      status.setAttribute('role', 'alert');
      status.textContent = describeError(err);
    } finally {
      if (mine === generation) more.disabled = false;
    }
  }

  /** Shows a just-created item at the top without reloading (it may sort onto a later page). */
  function prepend(item) {
    tbody.prepend(row(item));
    table.hidden = false;
    status.className = 'table-status';
    status.textContent = '';
  }

  more.addEventListener('click', () => load(false));
  return { el, reload: () => load(true), prepend, columns: columns.length };
}

/** The actions cell of a row: buttons plus an error line for what they do. */
export function actionsCell(...buttons) {
  const error = h('p', { class: 'error row-error', role: 'alert', hidden: true });
  const cell = h('td', { class: 'actions' }, h('div', { class: 'btn-group' }, buttons), error);
  return { cell, error };
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), children);
}
