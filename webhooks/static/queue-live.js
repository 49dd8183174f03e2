// The queue's list keeps itself current. Every few seconds it asks GET /queue/rows (the
// same filters and page as this page) for the list and swaps it in; a referral that was
// not on the page before is highlighted, and a new urgent one is announced at once in the
// page's aria-live="assertive" region and shown there.
//
// It never takes focus: when a keyboard user is inside the list, the same link (or the
// table itself) is focused again in the new list; if it has gone, the swap waits.
// Its words come from the page (data-* attributes), not from here.

const live = document.getElementById('referral-live');
if (live) {
  keepCurrent(live);
}

function keepCurrent(live) {
  const url = live.dataset.rowsUrl;
  const every = (Number(live.dataset.intervalSeconds) || 10) * 1000;
  const heading = document.getElementById('referrals-heading');
  const news = document.getElementById('referral-news');
  // Every reference seen since the page loaded: anything else is new.
  const seen = new Set(references(live));
  const fresh = new Set();
  let timer = null;
  let busy = false;
  let stopped = false;

  async function poll() {
    timer = null;
    if (stopped || busy) {
      return;
    }
    if (document.hidden) {
      return; // asked again as soon as the page is shown (below)
    }
    busy = true;
    try {
      const response = await fetch(url, {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'text/html' },
      });
      // Signed out (sent to the sign-in page) or refused: say so, and stop asking.
      if (response.redirected || !response.ok) {
        stop();
        return;
      }
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      const list = page.getElementById('referral-list');
      if (list) {
        update(list);
      }
    } catch (error) {
      // The network or the gateway is away for a moment: try again next time.
    } finally {
      busy = false;
    }
    schedule();
  }

  function update(list) {
    const urgent = [];
    for (const row of list.querySelectorAll('tr[data-reference]')) {
      const reference = row.dataset.reference;
      if (!seen.has(reference)) {
        seen.add(reference);
        fresh.add(reference);
        if (row.dataset.urgent === 'true') {
          urgent.push(reference);
        }
      }
      if (fresh.has(reference)) {
        row.classList.add('queue-row--new');
      }
    }
    if (urgent.length > 0 && news) {
      news.textContent = urgent
        .map((reference) => `${live.dataset.urgentWords} ${reference}`)
        .join('. ');
    }
    swap(list);
    if (heading && list.dataset.heading) {
      heading.textContent = list.dataset.heading;
    }
  }

  // Replace the list, keeping a keyboard user's place.
  function swap(list) {
    const current = document.getElementById('referral-list');
    const focused = document.activeElement;
    if (!current || !focused || !current.contains(focused)) {
      current?.replaceWith(list);
      return;
    }
    const href = focused.getAttribute('href');
    const again = focused.id
      ? list.querySelector(`#${CSS.escape(focused.id)}`)
      : href && [...list.querySelectorAll('a[href]')].find((link) => link.getAttribute('href') === href);
    if (!again) {
      return; // what had focus has gone: leave the list as it is for now
    }
    current.replaceWith(list);
    again.focus({ preventScroll: true });
  }

  function stop() {
    stopped = true;
    const note = document.createElement('p');
    note.className = 'nhsuk-body-s queue-live-stopped';
    note.textContent = live.dataset.stoppedWords;
    live.prepend(note);
  }

  function schedule() {
    if (!stopped && timer === null) {
      timer = window.setTimeout(poll, every);
    }
  }

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && timer === null) {
      poll();
    }
  });
  schedule();
}

function references(root) {
  return [...root.querySelectorAll('tr[data-reference]')].map((row) => row.dataset.reference);
}
