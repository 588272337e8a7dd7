/* The widget page's script: gets a chat token, resumes this tab's conversation after a reload,
   and renders Web Chat (served from this server, no CDN). Plain ES2017, no build step. */
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('chat-config').textContent);
  var text = config.text;
  var STORAGE_KEY = 'iess-chat-session';
  var LARGE_TEXT_KEY = 'iess-chat-large-text';
  var statusEl = document.getElementById('chat-status');
  var errorEl = document.getElementById('chat-error');
  var errorTextEl = document.getElementById('chat-error-text');
  var chatEl = document.getElementById('webchat');
  var largeTextButton = document.getElementById('chat-large-text');
  var directLine;
  var statusSubscription;
  var session;
  var saveTimer;

  // ConnectionStatus values of botframework-directlinejs.
  var ONLINE = 2;
  var EXPIRED_TOKEN = 3;
  var FAILED_TO_CONNECT = 4;
  var ENDED = 5;

  function setStatus(message) {
    statusEl.textContent = message || '';
  }

  function showError(message) {
    setStatus('');
    errorTextEl.textContent = message;
    errorEl.hidden = false;
  }

  // sessionStorage: the conversation survives a reload but not the closing of the tab,
  // so nothing stays behind on a shared computer.
  function load() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
      return saved && saved.token && saved.conversationId && saved.domain ? saved : null;
    } catch (e) {
      return null;
    }
  }

  function save() {
    if (!session) return;
    if (directLine && directLine.token) session.token = directLine.token;
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    } catch (e) {
      /* private mode: the chat still works, it just won't survive a reload */
    }
  }

  function forget() {
    session = null;
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      /* nothing saved */
    }
  }

  // A fresh token for the saved conversation; { gone: true } when the server no longer knows
  // it (404, or 403 for a token it cannot honour: e.g. it restarted with the memory store).
  function refresh(saved) {
    return fetch(saved.domain + '/tokens/refresh', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + saved.token },
    }).then(function (res) {
      if (res.status === 404 || res.status === 403) return { gone: true };
      if (!res.ok) return null;
      return res.json().then(function (body) {
        return { session: Object.assign({}, saved, { token: body.token }) };
      });
    });
  }

  // When sending or reconnecting fails, asks the server whether it still knows this
  // conversation; if not, starts a new one and says why, instead of a bare "could not send".
  // `lost`: the connection has given up, so an unreachable server is an error to show.
  var checking = false;
  function checkConversation(lost) {
    if (checking || !session) return;
    checking = true;
    refresh(Object.assign({}, session, { token: (directLine && directLine.token) || session.token }))
      .catch(function () {
        return null; // the server is unreachable: Web Chat keeps retrying
      })
      .then(function (result) {
        checking = false;
        if (result && result.gone) {
          stop();
          forget();
          start(text.conversationLost);
        } else if (lost) {
          forget();
          showError(text.connectError);
        }
      });
  }

  // Ends the connection without reacting to its own "ended" status; its token is not saved again.
  function stop() {
    if (statusSubscription) statusSubscription.unsubscribe();
    if (directLine) directLine.end();
    directLine = null;
  }

  function newSession() {
    return fetch(config.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ locale: config.locale }),
    }).then(function (res) {
      if (res.status === 429) throw new Error(text.tooMany);
      if (!res.ok) throw new Error(text.connectError);
      return res.json();
    });
  }

  function render(resumed, notice) {
    // A new element each time: a new conversation must not show the old one's transcript.
    var fresh = chatEl.cloneNode(false);
    chatEl.parentNode.replaceChild(fresh, chatEl);
    chatEl = fresh;
    var store = window.WebChat.createStore({}, function () {
      return function (next) {
        return function (action) {
          if (action.type === 'DIRECT_LINE/POST_ACTIVITY_REJECTED') checkConversation();
          // The notice has been read once the person writes again.
          if (action.type === 'DIRECT_LINE/POST_ACTIVITY') setStatus('');
          return next(action);
        };
      };
    });
    directLine = window.WebChat.createDirectLine({
      domain: session.domain,
      token: session.token,
      // With a conversation id the client reconnects (and gets the history) instead of starting anew.
      conversationId: resumed ? session.conversationId : undefined,
      webSocket: session.webSocket !== false,
    });
    statusSubscription = directLine.connectionStatus$.subscribe(function (status) {
      if (status === ONLINE) {
        setStatus(notice || (resumed ? text.resumed : ''));
        notice = '';
        save();
      } else if (status === ENDED || status === FAILED_TO_CONNECT) {
        checkConversation(true);
      } else if (status === EXPIRED_TOKEN) {
        checkConversation(false);
      }
    });

    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        store: store,
        userID: session.userId,
        locale: config.webChatLocale,
        overrideLocalizedStrings: Object.assign({ TEXT_INPUT_PLACEHOLDER: text.placeholder }, config.widgetStrings),
        styleOptions: {
          accent: '#0b4f8a',
          primaryFont: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
          backgroundColor: '#ffffff',
          bubbleBackground: '#eef2f7',
          bubbleBorderColor: '#d5dce5',
          bubbleBorderRadius: 12,
          bubbleFromUserBackground: '#0b4f8a',
          bubbleFromUserTextColor: '#ffffff',
          bubbleFromUserBorderRadius: 12,
          bubbleMaxWidth: 560,
          avatarSize: 44,
          botAvatarInitials: text.botInitials,
          botAvatarBackgroundColor: '#0b4f8a',
          userAvatarInitials: text.userInitials,
          userAvatarBackgroundColor: '#4a5563',
          hideUploadButton: true,
          sendBoxHeight: 48,
          sendBoxButtonColor: '#0b4f8a',
          suggestedActionLayout: 'flow',
          suggestedActionHeight: 44,
          suggestedActionBorderRadius: 8,
          suggestedActionBorderColor: '#0b4f8a',
          suggestedActionTextColor: '#0b4f8a',
          suggestedActionsStackedLayoutButtonTextWrap: true,
          timestampColor: '#4a5563',
          transitionDuration: '0s',
        },
      },
      chatEl,
    );
    clearInterval(saveTimer);
    saveTimer = setInterval(save, 60 * 1000);
  }

  function start(notice) {
    errorEl.hidden = true;
    setStatus(text.loading);
    var saved = load();
    var resume = saved
      ? refresh(saved).catch(function () {
          return null;
        })
      : Promise.resolve(null);
    return resume
      .then(function (refreshed) {
        if (refreshed && refreshed.session) return { session: refreshed.session, resumed: true };
        forget();
        return newSession().then(function (fresh) {
          return { session: fresh, resumed: false, notice: refreshed && refreshed.gone ? text.conversationLost : notice };
        });
      })
      .then(function (result) {
        session = result.session;
        save();
        render(result.resumed, result.notice);
      })
      .catch(function (error) {
        showError(error && error.message ? error.message : text.connectError);
      });
  }

  // Larger text for whoever needs it, kept for this tab's session (Web Chat's text inherits it).
  function showLargeText(on) {
    document.documentElement.classList.toggle('large-text', on);
    largeTextButton.setAttribute('aria-pressed', on ? 'true' : 'false');
  }
  function largeTextSaved() {
    try {
      return sessionStorage.getItem(LARGE_TEXT_KEY) === '1';
    } catch (e) {
      return false;
    }
  }
  showLargeText(largeTextSaved());
  largeTextButton.addEventListener('click', function () {
    var on = largeTextButton.getAttribute('aria-pressed') !== 'true';
    showLargeText(on);
    try {
      if (on) sessionStorage.setItem(LARGE_TEXT_KEY, '1');
      else sessionStorage.removeItem(LARGE_TEXT_KEY);
    } catch (e) {
      /* private mode: the setting lasts until the page is reloaded */
    }
  });

  document.getElementById('chat-retry').addEventListener('click', function () {
    stop();
    start();
  });
  document.getElementById('chat-restart').addEventListener('click', function () {
    if (!window.confirm(text.restartConfirm)) return;
    forget();
    stop();
    window.location.reload();
  });
  window.addEventListener('pagehide', save);

  if (!window.WebChat) {
    showError(text.connectError);
    return;
  }
  start();
})();
