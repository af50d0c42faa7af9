/**
 * Every word the element shows. Replace any of them through the `strings`
 * property to translate the element; missing keys fall back to these.
 */
export const DEFAULT_STRINGS = {
  connecting: 'Connecting…',
  reconnecting: 'Connection to the call server lost. Reconnecting…',
  /** The same, with others in the call: their media does not go through it (the `error` part then leaves out `relay-unreachable`). */
  reconnectingInCall: 'Connection to the call server lost. Your call goes on; reconnecting…',
  /** Back on a restarted relay, my place in the room taken meanwhile (RoomSession.waitingForPlace). */
  placeTaken: 'The room filled up while the call server was away. Your call goes on; you are back in when someone leaves.',
  waiting: 'Waiting for someone to join “{room}”…',
  inCall: 'In a call with {count} {people}',
  cannotConnect: 'Could not connect to {name}.',
  /** {people} for the plural category "one" of the page's language (see PEOPLE). */
  person: 'person',
  /** {people} for "other", and for any category without its own key. */
  people: 'people',
  left: 'You left the call.',
  notInCall: 'Not in the call.',
  enableSound: 'Turn on sound',
  idle: 'Set the room and server attributes to start a call.',
  you: 'You',
  /** Someone with no name: {id} is the start of their id, the same for everyone in the call. */
  guest: 'Guest {id}',
  controls: 'Call controls',
  'media-denied': 'Camera and microphone access was denied. Allow it in the browser to be seen and heard.',
  'media-blocked': 'This page does not let the call use the camera or microphone: the <iframe> it is in needs allow="camera; microphone".',
  'media-missing': 'No camera or microphone was found.',
  'media-unplugged': 'The device you picked is not plugged in. Nothing else has changed.',
  'media-busy': 'The camera or microphone is in use by another application.',
  'media-insecure': 'The camera needs a secure page (https:// or localhost).',
  'media-failed': 'The camera or microphone could not be started.',
  'screen-failed': 'The screen could not be shared: this browser or system cannot capture one now.',
  'media-lost': 'The camera or microphone went away. Plug one in to be seen and heard again.',
  'relay-unreachable': 'Cannot reach the call server at {server}.',
  'relay-insecure': 'This page is https, so the browser will not use the call server at {server}: it needs a wss:// address.',
  'relay-blocked': 'The browser does not let this page use the call server at {server}: the page’s Content-Security-Policy (its connect-src needs that address), or a content blocker, stops it.',
  'room-full': 'This room is full.',
  forbidden: 'The call server does not let you join this room.',
  unauthorized: 'The call server turned this page away: its access may have expired.',
  'bad-ice-servers': 'The ice-servers attribute cannot be used: {detail}',
  'bad-server': 'The server attribute “{server}” is not a ws://, wss://, http(s):// or /path address.',
  'bad-room': 'The room name is too long: a room name has at most {max} characters.',
  'peer-failed': 'The connection to a participant was lost.',
  'peer-unreachable': 'Could not connect to a participant. Between some networks a call needs a TURN server (the ice-servers attribute, or the call server’s --turn).',
  'peer-unanswered': 'Could not connect to a participant: the call was never answered.',
  'turn-failed': 'The TURN server did not work ({detail}): check the call server’s --turn and its secret, or the ice-servers attribute.',
  relayError: 'The call server refused a request: {detail}',
  mute: 'Mute',
  unmute: 'Unmute',
  cameraOff: 'Stop camera',
  cameraOn: 'Start camera',
  shareScreen: 'Share screen',
  stopSharing: 'Stop sharing',
  leave: 'Leave',
  joinAgain: 'Join again',
  camera: 'Camera',
  microphone: 'Microphone',
  speaker: 'Speaker',
  mutedIndicator: 'Microphone off',
  cameraOffIndicator: 'Camera off',
  presenting: 'Presenting',
  peerReconnecting: 'Reconnecting…',
  speaking: 'Speaking',
  announceJoined: '{name} joined the call.',
  announceLeft: '{name} left the call.',
  /** Gone without a goodbye: their network or device went; they may be back. */
  announceLost: '{name} lost their connection.',
  announceMuted: 'Your microphone is off.',
  announceUnmuted: 'Your microphone is on.',
  announceCameraOff: 'Your camera is off.',
  announceCameraOn: 'Your camera is on.',
  announceSharing: 'You are sharing your screen.',
  announceStoppedSharing: 'You stopped sharing your screen.',
  announcePresenting: '{name} is sharing their screen.',
  announceStoppedPresenting: '{name} stopped sharing their screen.',
  announceSoundBlocked: 'The browser blocked the sound of the call: press Turn on sound to hear the others.',
};

/**
 * The key of {people} for each plural category (Intl.PluralRules): English needs
 * only `person` and `people`; a translation adds the forms its language has
 * (Polish: 2 osoby, 5 osób; Arabic: a dual).
 */
const PEOPLE = { zero: 'peopleZero', one: 'person', two: 'peopleTwo', few: 'peopleFew', many: 'peopleMany', other: 'people' } as const;

export type Strings = typeof DEFAULT_STRINGS & Partial<Record<(typeof PEOPLE)[Exclude<Intl.LDMLPluralRule, 'one' | 'other'>], string>>;

/**
 * {people} for `count` in the language `lang` (a BCP 47 tag, the page's
 * `lang`); a missing or malformed tag means the browser's language. The
 * count keeps Latin digits: the first number formatted by Intl costs
 * 30–90 ms of main thread here (its locale data), and it would be paid
 * while the call's first connection is made.
 */
export function peopleWord(text: Strings, count: number, lang: string): string {
  let locale: string | undefined;
  try {
    [locale] = Intl.getCanonicalLocales(lang);
  } catch {
    // undefined: the browser's language
  }
  return text[PEOPLE[new Intl.PluralRules(locale).select(count)]] ?? text.people;
}

/** The language of `element`'s text: the nearest `lang`, through the shadow roots it sits in (closest() stops at its own). */
export function langOf(element: Element): string {
  for (let node: Element | undefined = element; node; node = node.parentElement ?? (node.getRootNode() as Partial<ShadowRoot>).host)
    if (node.hasAttribute('lang')) return node.getAttribute('lang')!;
  return '';
}

/** Fills `{name}` placeholders. */
export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}
