// Skybridge web chat.
//
// The page talks to the server over a small JSON contract under /chat/api:
// it creates a session, POSTs the traveller's messages with a client id
// (retried with the same id until accepted, the server deduplicates), and
// receives the bot's messages over Server-Sent Events, falling back to
// polling. Bot messages are ordered and deduplicated by their seq.
//
// Server text is only ever placed with textContent or element properties,
// never parsed as HTML.
(function () {
  'use strict';

  var API = '/chat/api';
  var STORE_KEY = 'skybridge.webchat.v1';
  var MAX_TEXT = 1000;
  var TYPING_TIMEOUT_MS = 15000;
  var POLL_INTERVAL_MS = 2000;
  var POLLS_BEFORE_STREAM_RETRY = 30;
  var STREAM_FAILURES_BEFORE_POLLING = 2;
  var MAX_STORED_SENT = 200;

  // Texts of the page itself; the bot's replies come localised from the server.
  var STRINGS = {
    en: {
      title: 'Skybridge', tagline: 'Check-in and boarding passes',
      greeting: 'Hello! I am the Skybridge assistant. I can check you in and send your boarding pass. What would you like to do?',
      check_in: 'Check in', boarding_pass: 'My boarding pass', human: 'Talk to a person',
      label: 'Your message', placeholder: 'Write a message…', send: 'Send',
      transcript: 'Conversation', typing: 'The assistant is writing…',
      you: 'You', bot: 'Skybridge',
      sending: 'Sending…', retrying: 'Not sent yet, trying again…', failed: 'Not sent',
      download: 'Download', image: 'Image', tooLong: 'Your message is too long: {n} characters at most.',
      reconnecting: 'Connection lost, reconnecting…', counter: '{n} / {max}'
    },
    fr: {
      title: 'Skybridge', tagline: 'Enregistrement et cartes d’embarquement',
      greeting: 'Bonjour ! Je suis l’assistant Skybridge. Je peux vous enregistrer et vous envoyer votre carte d’embarquement. Que souhaitez-vous faire ?',
      check_in: 'M’enregistrer', boarding_pass: 'Ma carte d’embarquement', human: 'Parler à un conseiller',
      label: 'Votre message', placeholder: 'Écrivez un message…', send: 'Envoyer',
      transcript: 'Conversation', typing: 'L’assistant écrit…',
      you: 'Vous', bot: 'Skybridge',
      sending: 'Envoi…', retrying: 'Pas encore envoyé, nouvel essai…', failed: 'Non envoyé',
      download: 'Télécharger', image: 'Image', tooLong: 'Votre message est trop long : {n} caractères au maximum.',
      reconnecting: 'Connexion perdue, reconnexion…', counter: '{n} / {max}'
    },
    nl: {
      title: 'Skybridge', tagline: 'Inchecken en instapkaarten',
      greeting: 'Hallo! Ik ben de assistent van Skybridge. Ik kan je inchecken en je instapkaart sturen. Wat wil je doen?',
      check_in: 'Inchecken', boarding_pass: 'Mijn instapkaart', human: 'Met een medewerker praten',
      label: 'Je bericht', placeholder: 'Schrijf een bericht…', send: 'Versturen',
      transcript: 'Gesprek', typing: 'De assistent schrijft…',
      you: 'Jij', bot: 'Skybridge',
      sending: 'Versturen…', retrying: 'Nog niet verstuurd, opnieuw proberen…', failed: 'Niet verstuurd',
      download: 'Downloaden', image: 'Afbeelding', tooLong: 'Je bericht is te lang: maximaal {n} tekens.',
      reconnecting: 'Verbinding verbroken, opnieuw verbinden…', counter: '{n} / {max}'
    },
    de: {
      title: 'Skybridge', tagline: 'Check-in und Bordkarten',
      greeting: 'Hallo! Ich bin der Skybridge-Assistent. Ich kann Sie einchecken und Ihnen Ihre Bordkarte schicken. Was möchten Sie tun?',
      check_in: 'Einchecken', boarding_pass: 'Meine Bordkarte', human: 'Mit einer Person sprechen',
      label: 'Ihre Nachricht', placeholder: 'Nachricht schreiben…', send: 'Senden',
      transcript: 'Unterhaltung', typing: 'Der Assistent schreibt…',
      you: 'Sie', bot: 'Skybridge',
      sending: 'Wird gesendet…', retrying: 'Noch nicht gesendet, neuer Versuch…', failed: 'Nicht gesendet',
      download: 'Herunterladen', image: 'Bild', tooLong: 'Ihre Nachricht ist zu lang: höchstens {n} Zeichen.',
      reconnecting: 'Verbindung unterbrochen, neuer Verbindungsversuch…', counter: '{n} / {max}'
    },
    es: {
      title: 'Skybridge', tagline: 'Facturación y tarjetas de embarque',
      greeting: '¡Hola! Soy el asistente de Skybridge. Puedo hacer tu check-in y enviarte la tarjeta de embarque. ¿Qué quieres hacer?',
      check_in: 'Hacer check-in', boarding_pass: 'Mi tarjeta de embarque', human: 'Hablar con una persona',
      label: 'Tu mensaje', placeholder: 'Escribe un mensaje…', send: 'Enviar',
      transcript: 'Conversación', typing: 'El asistente está escribiendo…',
      you: 'Tú', bot: 'Skybridge',
      sending: 'Enviando…', retrying: 'Aún no enviado, reintentando…', failed: 'No enviado',
      download: 'Descargar', image: 'Imagen', tooLong: 'Tu mensaje es demasiado largo: {n} caracteres como máximo.',
      reconnecting: 'Conexión perdida, reconectando…', counter: '{n} / {max}'
    },
    pt: {
      title: 'Skybridge', tagline: 'Check-in e cartões de embarque',
      greeting: 'Olá! Sou o assistente da Skybridge. Posso fazer o seu check-in e enviar o seu cartão de embarque. O que deseja fazer?',
      check_in: 'Fazer check-in', boarding_pass: 'O meu cartão de embarque', human: 'Falar com uma pessoa',
      label: 'A sua mensagem', placeholder: 'Escreva uma mensagem…', send: 'Enviar',
      transcript: 'Conversa', typing: 'O assistente está a escrever…',
      you: 'Você', bot: 'Skybridge',
      sending: 'A enviar…', retrying: 'Ainda não enviada, a tentar de novo…', failed: 'Não enviada',
      download: 'Transferir', image: 'Imagem', tooLong: 'A sua mensagem é demasiado longa: no máximo {n} caracteres.',
      reconnecting: 'Ligação perdida, a religar…', counter: '{n} / {max}'
    },
    it: {
      title: 'Skybridge', tagline: 'Check-in e carte d’imbarco',
      greeting: 'Salve! Sono l’assistente di Skybridge. Posso fare il check-in per lei e inviarle la carta d’imbarco. Cosa desidera fare?',
      check_in: 'Fare il check-in', boarding_pass: 'La mia carta d’imbarco', human: 'Parlare con un operatore',
      label: 'Il suo messaggio', placeholder: 'Scriva un messaggio…', send: 'Invia',
      transcript: 'Conversazione', typing: 'L’assistente sta scrivendo…',
      you: 'Lei', bot: 'Skybridge',
      sending: 'Invio in corso…', retrying: 'Non ancora inviato, nuovo tentativo…', failed: 'Non inviato',
      download: 'Scarica', image: 'Immagine', tooLong: 'Il messaggio è troppo lungo: al massimo {n} caratteri.',
      reconnecting: 'Connessione persa, riconnessione in corso…', counter: '{n} / {max}'
    },
    pl: {
      title: 'Skybridge', tagline: 'Odprawa i karty pokładowe',
      greeting: 'Dzień dobry! Jestem asystentem Skybridge. Mogę Cię odprawić i wysłać kartę pokładową. W czym mogę pomóc?',
      check_in: 'Odprawa online', boarding_pass: 'Moja karta pokładowa', human: 'Czat z konsultantem',
      label: 'Twoja wiadomość', placeholder: 'Napisz wiadomość…', send: 'Wyślij',
      transcript: 'Rozmowa', typing: 'Asystent pisze…',
      you: 'Ty', bot: 'Skybridge',
      sending: 'Wysyłanie…', retrying: 'Jeszcze nie wysłano, ponawiam…', failed: 'Nie wysłano',
      download: 'Pobierz', image: 'Obraz', tooLong: 'Wiadomość jest za długa: maksymalnie {n} znaków.',
      reconnecting: 'Utracono połączenie, łączę ponownie…', counter: '{n} / {max}'
    },
    tr: {
      title: 'Skybridge', tagline: 'Check-in ve biniş kartları',
      greeting: 'Merhaba! Ben Skybridge asistanıyım. Check-in işleminizi yapabilir ve biniş kartınızı gönderebilirim. Ne yapmak istersiniz?',
      check_in: 'Check-in yap', boarding_pass: 'Biniş kartım', human: 'Temsilciyle görüş',
      label: 'Mesajınız', placeholder: 'Bir mesaj yazın…', send: 'Gönder',
      transcript: 'Sohbet', typing: 'Asistan yazıyor…',
      you: 'Siz', bot: 'Skybridge',
      sending: 'Gönderiliyor…', retrying: 'Henüz gönderilmedi, yeniden deneniyor…', failed: 'Gönderilemedi',
      download: 'İndir', image: 'Görsel', tooLong: 'Mesajınız çok uzun: en fazla {n} karakter.',
      reconnecting: 'Bağlantı koptu, yeniden bağlanılıyor…', counter: '{n} / {max}'
    },
    ar: {
      title: 'Skybridge', tagline: 'تسجيل الوصول وبطاقات الصعود',
      greeting: 'مرحبًا! أنا مساعد Skybridge. يمكنني إتمام تسجيل وصولك وإرسال بطاقة الصعود إليك. ماذا تريد أن تفعل؟',
      check_in: 'تسجيل الوصول', boarding_pass: 'بطاقة الصعود الخاصة بي', human: 'التحدث إلى موظف',
      label: 'رسالتك', placeholder: 'اكتب رسالة…', send: 'إرسال',
      transcript: 'المحادثة', typing: 'المساعد يكتب…',
      you: 'أنت', bot: 'Skybridge',
      sending: 'جارٍ الإرسال…', retrying: 'لم تُرسل بعد، جارٍ إعادة المحاولة…', failed: 'لم تُرسل',
      download: 'تنزيل', image: 'صورة', tooLong: 'رسالتك طويلة جدًا: {n} حرف كحد أقصى.',
      reconnecting: 'انقطع الاتصال، جارٍ إعادة الاتصال…', counter: '{n} / {max}'
    },
    zh: {
      title: 'Skybridge', tagline: '值机与登机牌',
      greeting: '您好！我是 Skybridge 智能助手，可以为您办理值机并发送登机牌。请问需要什么帮助？',
      check_in: '办理值机', boarding_pass: '我的登机牌', human: '人工客服',
      label: '您的消息', placeholder: '输入消息…', send: '发送',
      transcript: '对话', typing: '助手正在输入…',
      you: '您', bot: 'Skybridge',
      sending: '正在发送…', retrying: '尚未发送，正在重试…', failed: '发送失败',
      download: '下载', image: '图片', tooLong: '消息过长：最多 {n} 个字符。',
      reconnecting: '连接已断开，正在重新连接…', counter: '{n} / {max}'
    },
    hi: {
      title: 'Skybridge', tagline: 'चेक-इन और बोर्डिंग पास',
      greeting: 'नमस्ते! मैं Skybridge का सहायक हूँ। मैं आपका चेक-इन कर सकता हूँ और आपका बोर्डिंग पास भेज सकता हूँ। आप क्या करना चाहेंगे?',
      check_in: 'चेक-इन करें', boarding_pass: 'मेरा बोर्डिंग पास', human: 'एजेंट से बात करें',
      label: 'आपका संदेश', placeholder: 'संदेश लिखें…', send: 'भेजें',
      transcript: 'बातचीत', typing: 'सहायक लिख रहा है…',
      you: 'आप', bot: 'Skybridge',
      sending: 'भेजा जा रहा है…', retrying: 'अभी नहीं भेजा गया, फिर से कोशिश हो रही है…', failed: 'नहीं भेजा गया',
      download: 'डाउनलोड करें', image: 'तस्वीर', tooLong: 'आपका संदेश बहुत लंबा है: अधिकतम {n} अक्षर।',
      reconnecting: 'कनेक्शन टूट गया, फिर से जोड़ा जा रहा है…', counter: '{n} / {max}'
    }
  };

  // Languages written right to left. The page takes the direction of its own
  // language until the conversation shows its own (see noteDirection).
  var RTL_LANGS = { ar: true, he: true, fa: true, ur: true };
  var RTL_LETTER = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
  var LETTER = /\p{L}/u;

  var STARTERS = [
    { id: 'intent:check_in', key: 'check_in' },
    { id: 'intent:boarding_pass', key: 'boarding_pass' },
    { id: 'intent:human', key: 'human' }
  ];

  var locale = navigator.language || 'en';
  var lang = pickLang(locale);
  var T = STRINGS[lang];

  var $transcript, $typing, $form, $input, $send, $status, $counter;

  // state.sent holds the traveller's own messages: the server only returns the
  // bot's, so they are kept in localStorage to rebuild the transcript on reload.
  // Each entry: {id, text, payload, after, n, at, state: pending|sent|failed, error}.
  // "after" is the last bot seq shown when it was sent; it places the bubble.
  // dir is the conversation's writing direction once a reply has shown it.
  var state = { session: '', sent: [], n: 0, dir: '' };
  var seen = new Set();   // bot seqs already shown: a seq is never shown twice
  var lastSeq = 0;
  var groups = [];        // choice groups: {seq, el}
  var bubbles = new Map(); // client id -> traveller bubble

  var stream = null;
  var streamFailures = 0;
  var polling = false;
  var receiving = false;
  var pumping = false;
  var sessionPromise = null;
  var typingTimer = 0;
  var pinned = true;   // the transcript follows new messages until the traveller scrolls up
  var generation = 0; // bumped when the session is replaced; stale loops stop
  var convDir = '';   // 'rtl' or 'ltr' once the assistant has replied, '' before
  var turning = 0;    // replies in a row in the other direction

  function pickLang(tag) {
    var base = String(tag).toLowerCase().split(/[-_]/)[0];
    return Object.prototype.hasOwnProperty.call(STRINGS, base) ? base : 'en';
  }

  function fmt(s, vars) {
    return s.replace(/\{(\w+)\}/g, function (m, k) { return k in vars ? String(vars[k]) : m; });
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  // backoff gives the wait before retry number attempt (1, 2, …): 0.5 s doubling
  // to 15 s, with jitter so that many pages do not retry in step.
  function backoff(attempt) {
    var base = Math.min(15000, 500 * Math.pow(2, Math.max(0, attempt - 1)));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === 'function') {
      return crypto.randomUUID();
    }
    // crypto.randomUUID needs a secure context; getRandomValues does not.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // ---- storage ----

  function load() {
    try {
      var raw = localStorage.getItem(STORE_KEY);
      if (!raw) return;
      var s = JSON.parse(raw);
      if (s && typeof s.session === 'string' && Array.isArray(s.sent)) {
        state.session = s.session;
        state.sent = s.sent.filter(function (e) { return e && typeof e.id === 'string' && typeof e.text === 'string'; });
        state.n = state.sent.reduce(function (m, e) { return Math.max(m, e.n || 0); }, 0);
        if (s.dir === 'rtl' || s.dir === 'ltr') convDir = state.dir = s.dir;
      }
    } catch (e) {
      // Unreadable storage: start afresh.
    }
  }

  function save() {
    if (state.sent.length > MAX_STORED_SENT) {
      state.sent = state.sent.slice(state.sent.length - MAX_STORED_SENT);
    }
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) {
      // Storage full or disabled: the conversation still works until reload.
    }
  }

  // ---- DOM helpers ----

  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        if (k === 'class') node.className = props[k];
        else if (k === 'text') node.textContent = props[k];
        else if (k.indexOf('data-') === 0 || k.indexOf('aria-') === 0 || k === 'dir' || k === 'role') node.setAttribute(k, props[k]);
        else node[k] = props[k];
      });
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  // ---- writing direction ----

  // letterCounts counts the letters of right-to-left scripts and the others.
  function letterCounts(text) {
    var n = { rtl: 0, ltr: 0 };
    Array.from(String(text || '')).forEach(function (ch) {
      if (!LETTER.test(ch)) return;
      if (RTL_LETTER.test(ch)) n.rtl++; else n.ltr++;
    });
    return n;
  }

  // textDir is the dir of one block of text: 'rtl' for text mostly in a
  // right-to-left script (an Arabic reply that starts with a flight number is
  // still right to left, which dir=auto would get wrong), else 'auto' so that the
  // browser follows the text's first strong character.
  function textDir(text) {
    var n = letterCounts(text);
    if (n.rtl === 0) return 'auto';
    if (n.ltr === 0 || n.rtl >= n.ltr || convDir === 'rtl') return 'rtl';
    return 'auto';
  }

  // noteDirection takes the conversation's direction from the replies, which
  // come in the conversation's language. The first reply sets it; after that it
  // turns only on two replies in a row the other way, so that one English line
  // (a colleague's, a flight number) does not mirror an Arabic page back and forth.
  function noteDirection(text) {
    var n = letterCounts(text);
    var d = n.rtl > n.ltr ? 'rtl' : (n.rtl === 0 && n.ltr > 0 ? 'ltr' : '');
    if (!d) return;
    if (!convDir || d === convDir) {
      turning = 0;
      setConvDir(d);
      return;
    }
    if (++turning >= 2) {
      turning = 0;
      setConvDir(d);
    }
  }

  function setConvDir(d) {
    if (convDir === d) return;
    convDir = state.dir = d;
    save();
    applyDirection();
  }

  // applyDirection lays the page out in the conversation's direction, or the page
  // language's before the conversation has one: bubbles, buttons and the message
  // box mirror, while each text keeps its own direction.
  function applyDirection() {
    document.documentElement.dir = convDir || (RTL_LANGS[lang] ? 'rtl' : 'ltr');
    syncInputDir();
  }

  // The message box follows what is typed (dir=auto); empty, it follows the page
  // so that the caret and the placeholder start on the conversation's side.
  function syncInputDir() {
    $input.dir = $input.value.trim() ? 'auto' : document.documentElement.dir;
  }

  function hiddenLabel(text) {
    return el('span', { class: 'visually-hidden', text: text + ': ' });
  }

  // safeURL returns an absolute http(s) URL for href and src, or '' when the
  // value is anything else (javascript:, data:, …).
  function safeURL(value) {
    if (typeof value !== 'string' || value === '') return '';
    try {
      var u = new URL(value, window.location.href);
      return (u.protocol === 'http:' || u.protocol === 'https:') ? u.href : '';
    } catch (e) {
      return '';
    }
  }

  var URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
  var TRAILING_PUNCT = /[.,;:!?)\]}'"»”’]+$/;

  // richText appends text to parent, turning http(s) URLs into links. Only
  // text nodes and anchors built from properties are created.
  function richText(parent, text) {
    var s = String(text || '');
    var last = 0;
    s.replace(URL_RE, function (match, offset) {
      var url = match;
      var trail = url.match(TRAILING_PUNCT);
      if (trail && !(trail[0] === ')' && url.indexOf('(') !== -1)) {
        url = url.slice(0, url.length - trail[0].length);
      }
      var href = safeURL(url);
      if (!href) return match;
      parent.appendChild(document.createTextNode(s.slice(last, offset)));
      parent.appendChild(el('a', { href: href, text: url, target: '_blank', rel: 'noopener noreferrer' }));
      last = offset + url.length;
      return match;
    });
    parent.appendChild(document.createTextNode(s.slice(last)));
    return parent;
  }

  function timeLabel(date) {
    if (!(date instanceof Date) || isNaN(date.getTime())) return null;
    var t = el('time', { class: 'time' });
    t.dateTime = date.toISOString();
    try {
      t.textContent = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(date);
    } catch (e) {
      t.textContent = date.toTimeString().slice(0, 5);
    }
    return t;
  }

  // ---- transcript order ----

  // Each row has a key [seq, side, n]: bot messages [seq, 0, 0]; a traveller
  // message [after, 1, n], so it sits after the bot message it answered.
  function keyOf(row) {
    return [Number(row.dataset.k0), Number(row.dataset.k1), Number(row.dataset.k2)];
  }

  function less(a, b) {
    for (var i = 0; i < 3; i++) {
      if (a[i] !== b[i]) return a[i] < b[i];
    }
    return false;
  }

  function place(row, key) {
    row.dataset.k0 = key[0];
    row.dataset.k1 = key[1];
    row.dataset.k2 = key[2];
    var before = null;
    for (var c = $transcript.lastElementChild; c; c = c.previousElementSibling) {
      if (less(key, keyOf(c))) before = c; else break;
    }
    $transcript.insertBefore(row, before);
  }

  function nearBottom() {
    return $transcript.scrollHeight - $transcript.scrollTop - $transcript.clientHeight < 80;
  }

  function scrollToEnd() {
    pinned = true;
    $transcript.scrollTop = $transcript.scrollHeight;
  }

  function follow() {
    if (pinned) scrollToEnd();
  }

  // ---- rendering ----

  function botRow(seq, created) {
    var row = el('div', { class: 'row bot', 'data-seq': String(seq) });
    var bubble = el('div', { class: 'bubble bot' });
    bubble.appendChild(hiddenLabel(T.bot));
    row.appendChild(bubble);
    var t = timeLabel(created);
    if (t) row.appendChild(t);
    return { row: row, bubble: bubble };
  }

  function choiceGroup(seq, choices) {
    var group = el('div', { class: 'choices', role: 'group' });
    choices.forEach(function (c) {
      if (!c || typeof c.id !== 'string' || !c.id) return;
      var title = String(c.title || c.id);
      var btn = el('button', { type: 'button', class: 'choice', 'data-payload': c.id, 'aria-pressed': 'false' });
      btn.appendChild(el('span', { class: 'choice-title', text: title, dir: textDir(title) }));
      if (c.description) {
        btn.appendChild(el('span', { class: 'choice-desc', text: String(c.description), dir: textDir(c.description) }));
      }
      btn.addEventListener('click', function () {
        if (btn.disabled) return;
        btn.setAttribute('aria-pressed', 'true');
        btn.classList.add('chosen');
        send(title, c.id);
        $input.focus();
      });
      group.appendChild(btn);
    });
    var g = { seq: seq, el: group };
    groups.push(g);
    if (answered(seq)) disableGroup(g);
    return group;
  }

  function answered(seq) {
    return state.sent.some(function (e) { return e.after >= seq && e.state !== 'failed'; });
  }

  function disableGroup(g) {
    g.el.classList.add('answered');
    Array.prototype.forEach.call(g.el.querySelectorAll('button'), function (b) {
      b.disabled = true;
      var chosen = state.sent.some(function (e) { return e.after >= g.seq && e.payload === b.dataset.payload; });
      if (chosen) {
        b.classList.add('chosen');
        b.setAttribute('aria-pressed', 'true');
      }
    });
  }

  function refreshGroups() {
    groups.forEach(function (g) { if (!g.el.classList.contains('answered') && answered(g.seq)) disableGroup(g); });
  }

  function renderGreeting() {
    var r = botRow(0, null);
    r.row.classList.add('greeting');
    r.bubble.appendChild(el('p', { class: 'text', text: T.greeting, dir: textDir(T.greeting) }));
    r.bubble.appendChild(choiceGroup(0, STARTERS.map(function (s) {
      return { id: s.id, title: T[s.key] };
    })));
    place(r.row, [0, 0, 0]);
  }

  function renderBot(m) {
    var r = botRow(m.seq, m.created_at ? new Date(m.created_at) : null);
    r.row.dataset.kind = m.kind;
    if (m.text) {
      noteDirection(m.text);
      r.bubble.appendChild(richText(el('p', { class: 'text', dir: textDir(m.text) }), m.text));
    }
    var a = m.attachment;
    if ((m.kind === 'image' || m.kind === 'document') && a && typeof a === 'object') {
      var href = safeURL(a.url);
      var caption = String(a.caption || '');
      if (href && m.kind === 'image') {
        var img = el('img', { class: 'image', src: href, alt: caption || a.filename || T.image, loading: 'lazy', decoding: 'async' });
        img.addEventListener('load', follow);
        var fig = el('figure', { class: 'figure' }, [el('a', { href: href, target: '_blank', rel: 'noopener noreferrer' }, [img])]);
        if (caption) {
          // The caption is the image's alt text already; shown, not read twice.
          fig.appendChild(el('figcaption', { text: caption, dir: textDir(caption), 'aria-hidden': 'true' }));
        }
        r.bubble.appendChild(fig);
      } else if (href) {
        var name = String(a.filename || href.split('/').pop() || T.download);
        var link = el('a', { class: 'document', href: href, download: name, type: a.mime || '' });
        link.appendChild(el('span', { class: 'doc-icon', 'aria-hidden': 'true', text: (name.split('.').pop() || 'file').slice(0, 4).toUpperCase() }));
        var label = el('span', { class: 'doc-label' });
        label.appendChild(el('span', { class: 'doc-name', text: name, dir: 'auto' }));
        label.appendChild(el('span', { class: 'doc-action', text: T.download }));
        link.appendChild(label);
        r.bubble.appendChild(link);
        if (caption) r.bubble.appendChild(el('p', { class: 'caption', text: caption, dir: textDir(caption) }));
      }
    }
    if (Array.isArray(m.choices) && m.choices.length) {
      r.bubble.appendChild(choiceGroup(m.seq, m.choices));
    }
    place(r.row, [m.seq, 0, 0]);
  }

  function renderSent(e) {
    var row = el('div', { class: 'row traveller', 'data-id': e.id });
    var bubble = el('div', { class: 'bubble traveller' });
    bubble.appendChild(hiddenLabel(T.you));
    bubble.appendChild(el('p', { class: 'text', text: e.text, dir: textDir(e.text) }));
    row.appendChild(bubble);
    var meta = el('div', { class: 'meta' });
    var t = timeLabel(new Date(e.at));
    if (t) meta.appendChild(t);
    meta.appendChild(el('span', { class: 'delivery' }));
    row.appendChild(meta);
    bubbles.set(e.id, row);
    updateSent(e, false);
    place(row, [e.after, 1, e.n]);
  }

  function updateSent(e, retrying) {
    var row = bubbles.get(e.id);
    if (!row) return;
    row.classList.toggle('pending', e.state === 'pending');
    row.classList.toggle('retrying', e.state === 'pending' && retrying);
    row.classList.toggle('failed', e.state === 'failed');
    var d = row.querySelector('.delivery');
    if (e.state === 'pending') d.textContent = retrying ? T.retrying : T.sending;
    else if (e.state === 'failed') d.textContent = T.failed + (e.error ? ': ' + e.error : '');
    else d.textContent = '';
  }

  function validMessage(m) {
    return m && typeof m === 'object' && Number.isInteger(m.seq) && m.seq > 0;
  }

  function receive(m) {
    if (!validMessage(m) || seen.has(m.seq)) return;
    seen.add(m.seq);
    lastSeq = Math.max(lastSeq, m.seq);
    renderBot(m);
    hideTyping();
    follow();
  }

  // ---- status, typing ----

  function setStatus(text) {
    if ($status.textContent !== text) $status.textContent = text;
  }

  function showTyping() {
    $typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    $typing.hidden = true;
  }

  // ---- network ----

  function jsonPost(path, body) {
    return fetch(API + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin'
    });
  }

  function errorText(res) {
    return res.json().then(function (b) {
      return (b && typeof b.error === 'string' && b.error) || res.statusText || String(res.status);
    }, function () {
      return res.statusText || String(res.status);
    });
  }

  function retryAfterMs(res) {
    var v = Number(res.headers.get('Retry-After'));
    return Number.isFinite(v) && v > 0 ? Math.min(v, 60) * 1000 : 0;
  }

  // ensureSession resolves to the session token, creating one on first need.
  function ensureSession() {
    if (state.session) return Promise.resolve(state.session);
    if (!sessionPromise) {
      sessionPromise = jsonPost('/session', {}).then(function (res) {
        if (!res.ok) throw new Error('session: ' + res.status);
        return res.json();
      }).then(function (b) {
        if (!b || typeof b.session !== 'string' || !b.session) throw new Error('session: no token');
        state.session = b.session;
        save();
        startReceiving(false);
        return state.session;
      }).finally(function () {
        sessionPromise = null;
      });
    }
    return sessionPromise;
  }

  // forgetSession drops a session the server no longer knows. The transcript
  // of that session goes with it; unsent messages are kept and sent again.
  function forgetSession() {
    generation++;
    closeStream();
    polling = false;
    receiving = false;
    state.session = '';
    state.sent = state.sent.filter(function (e) { return e.state === 'pending'; });
    state.sent.forEach(function (e) { e.after = 0; });
    convDir = state.dir = '';
    turning = 0;
    save();
    applyDirection();
    seen.clear();
    lastSeq = 0;
    groups = [];
    bubbles.clear();
    $transcript.textContent = '';
    renderGreeting();
    state.sent.forEach(renderSent);
    refreshGroups();
  }

  // postOne tries to deliver one message once. It returns 'ok', 'retry',
  // 'session' (unknown session) or 'failed' (the server refused the message).
  function postOne(e) {
    return ensureSession().then(function (session) {
      return jsonPost('/messages', { session: session, id: e.id, text: e.text, payload: e.payload || '', locale: locale });
    }).then(function (res) {
      if (res.ok) return { result: 'ok' };
      if (res.status === 404) return { result: 'session' };
      if (res.status === 408 || res.status === 429 || res.status >= 500) {
        return { result: 'retry', wait: retryAfterMs(res) };
      }
      return errorText(res).then(function (msg) { return { result: 'failed', error: msg }; });
    }, function () {
      return { result: 'retry', wait: 0 }; // network error: same id again
    });
  }

  // pump sends pending messages one at a time, in order, retrying each with
  // the same client id until the server accepts or refuses it.
  function pump() {
    if (pumping) return;
    pumping = true;
    var attempt = 0;
    function next() {
      var e = state.sent.find(function (x) { return x.state === 'pending'; });
      if (!e) { pumping = false; return; }
      postOne(e).then(function (r) {
        if (r.result === 'ok') {
          attempt = 0;
          e.state = 'sent';
          save();
          updateSent(e, false);
          setStatus('');
          return next();
        }
        if (r.result === 'failed') {
          attempt = 0;
          e.state = 'failed';
          e.error = r.error;
          save();
          updateSent(e, false);
          hideTyping();
          return next();
        }
        if (r.result === 'session') {
          forgetSession();
          return next();
        }
        attempt++;
        updateSent(e, true);
        return sleep(Math.max(r.wait, backoff(attempt))).then(next);
      }).catch(function () {
        // Never leave the queue stuck on an unexpected error.
        pumping = false;
        setTimeout(pump, backoff(3));
      });
    }
    next();
  }

  function send(text, payload) {
    text = String(text || '').trim();
    if (!text) return false;
    if (text.length > MAX_TEXT) {
      setStatus(fmt(T.tooLong, { n: MAX_TEXT }));
      return false;
    }
    var e = { id: uuid(), text: text, payload: payload || '', after: lastSeq, n: ++state.n, at: Date.now(), state: 'pending' };
    state.sent.push(e);
    save();
    renderSent(e);
    refreshGroups();
    scrollToEnd();
    showTyping();
    pump();
    return true;
  }

  // ---- receiving ----

  function streamURL() {
    return API + '/stream?session=' + encodeURIComponent(state.session) + '&after=' + lastSeq;
  }

  // fetchAfter asks for the messages after the last seq shown. It returns
  // false when the session is unknown (and forgets it).
  function fetchAfter(gen) {
    var url = API + '/messages?session=' + encodeURIComponent(state.session) + '&after=' + lastSeq;
    return fetch(url, { headers: { 'Accept': 'application/json' }, credentials: 'same-origin' }).then(function (res) {
      if (gen !== generation) return false;
      if (res.status === 404) { forgetSession(); pump(); return false; }
      if (!res.ok) throw new Error('messages: ' + res.status);
      return res.json().then(function (b) {
        if (gen !== generation) return false;
        var list = (b && Array.isArray(b.messages)) ? b.messages.filter(validMessage) : [];
        list.sort(function (x, y) { return x.seq - y.seq; });
        list.forEach(receive);
        setStatus('');
        return true;
      });
    });
  }

  function startReceiving(history) {
    if (receiving || !state.session) return;
    receiving = true;
    var gen = generation;
    var first = history ? fetchAfter(gen) : Promise.resolve(true);
    first.then(function (ok) {
      if (ok && gen === generation) openStream();
    }, function () {
      if (gen === generation) openStream();
    }).finally(function () {
      $transcript.setAttribute('aria-busy', 'false');
    });
  }

  function closeStream() {
    if (stream) {
      stream.close();
      stream = null;
    }
  }

  function openStream() {
    closeStream();
    if (!state.session) return;
    if (typeof window.EventSource !== 'function') { startPolling(); return; }
    var gen = generation;
    // A fresh URL on every (re)connect so that after= carries the last seq shown.
    var es = new EventSource(streamURL());
    stream = es;
    es.onopen = function () {
      streamFailures = 0;
      setStatus('');
    };
    es.addEventListener('message', function (ev) {
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      receive(m);
    });
    es.onerror = function () {
      if (stream !== es) return;
      es.close();
      stream = null;
      if (gen !== generation) return;
      streamFailures++;
      if (streamFailures >= STREAM_FAILURES_BEFORE_POLLING) {
        startPolling();
        return;
      }
      setStatus(T.reconnecting);
      setTimeout(function () { if (gen === generation && !stream && !polling) openStream(); }, backoff(streamFailures));
    };
  }

  // startPolling is the fallback when the event stream cannot be kept open. It
  // polls every two seconds and tries the stream again now and then.
  function startPolling() {
    if (polling) return;
    polling = true;
    var gen = generation;
    var polls = 0;
    function tick() {
      if (!polling || gen !== generation) return;
      fetchAfter(gen).then(function (ok) {
        if (!ok) polling = false;
      }, function () {
        setStatus(T.reconnecting);
      }).then(function () {
        if (!polling || gen !== generation) return;
        if (++polls >= POLLS_BEFORE_STREAM_RETRY && typeof window.EventSource === 'function') {
          polling = false;
          streamFailures = 0;
          openStream();
          return;
        }
        setTimeout(tick, POLL_INTERVAL_MS);
      });
    }
    tick();
  }

  // ---- composer ----

  function autosize() {
    $input.style.height = 'auto';
    $input.style.height = Math.min($input.scrollHeight, 160) + 'px';
    var n = $input.value.length;
    $counter.textContent = n > MAX_TEXT * 0.9 ? fmt(T.counter, { n: n, max: MAX_TEXT }) : '';
    syncInputDir();
  }

  function submit() {
    if (send($input.value, '')) {
      $input.value = '';
      autosize();
    }
  }

  function localise() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach(function (n) { n.textContent = T[n.dataset.i18n]; });
    document.querySelectorAll('[data-i18n-label]').forEach(function (n) { n.setAttribute('aria-label', T[n.dataset.i18nLabel]); });
    document.querySelectorAll('[data-i18n-placeholder]').forEach(function (n) { n.placeholder = T[n.dataset.i18nPlaceholder]; });
    document.title = T.title + ' · ' + T.tagline;
    applyDirection();
  }

  function init() {
    $transcript = document.getElementById('transcript');
    $typing = document.getElementById('typing');
    $form = document.getElementById('composer');
    $input = document.getElementById('input');
    $send = document.getElementById('send');
    $status = document.getElementById('status');
    $counter = document.getElementById('counter');

    localise();
    load();
    applyDirection(); // the direction a stored conversation had
    $transcript.setAttribute('aria-busy', state.session ? 'true' : 'false');
    renderGreeting();
    state.sent.forEach(renderSent);
    refreshGroups();
    scrollToEnd();

    $form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      submit();
      $input.focus();
    });
    $input.addEventListener('keydown', function (ev) {
      // Enter sends; Shift+Enter makes a new line; composing (IME) is left alone.
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        submit();
      }
    });
    $input.addEventListener('input', autosize);
    // Only a scroll can change whether the traveller is reading older messages;
    // content that grows (an image loading) must not unpin the transcript.
    $transcript.addEventListener('scroll', function () { pinned = nearBottom(); }, { passive: true });
    window.addEventListener('resize', follow);
    window.addEventListener('online', function () {
      if (state.session && !stream && !polling) openStream();
      pump();
    });

    if (state.session) startReceiving(true);
    pump(); // messages left pending by an earlier visit
    document.body.classList.add('ready');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
