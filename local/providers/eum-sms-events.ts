/**
 * The event the End User Messaging SMS fake publishes after an accepted SendTextMessage, as the
 * service's EventBridge event destination does (`source` `aws.sms-voice`, `detail-type` "Text
 * Message Delivery Status Updated", `detail` the SMS event record: `eventType`, `messageId`,
 * `messageStatus`, `messageStatusDescription`, `destinationPhoneNumber`, `eventTimestamp`, `context`
 * echoing the request's Context …; shapes as the committed samples in test/fixtures/receipts).
 *
 * The outcome follows the SMS simulator (user guide, "Simulator phone numbers"): each destination
 * simulator number of the guide's table generates its success or failure event. The guide does not
 * name the failure's event type; the fake uses TEXT_CARRIER_UNREACHABLE. Any other number is
 * delivered (TEXT_DELIVERED).
 */
import type { ReceiptEvent } from './receipt-emitter.ts';

/** The guide's destination simulator numbers: success, then failure, per country. */
const SIMULATOR_NUMBERS: ReadonlyArray<readonly [country: string, success: string, failure: string]> = [
  ['AU', '+61455944038', '+61455944039'],
  ['AT', '+43676800442031', '+43676800442032'],
  ['BE', '+32460213922', '+32460213923'],
  ['CL', '+56229140630', '+56229140631'],
  ['CZ', '+420790542286', '+420790542287'],
  ['DK', '+4525919410', '+4525919215'],
  ['EE', '+37282720792', '+37282720793'],
  ['FI', '+3584573979110', '+3584573979111'],
  ['FR', '+33755512501', '+33755512502'],
  ['HK', '+85257048426', '+85257048854'],
  ['HU', '+36707178770', '+36707178772'],
  ['IT', '+394390009172', '+394390009174'],
  ['JE', '+447937404990', '+447937404992'],
  ['LU', '+352691385880', '+352691385882'],
  ['NL', '+3197008100148', '+3197008100150'],
  ['NO', '+4759449384', '+4759449387'],
  ['PL', '+48732141440', '+48732141442'],
  ['PT', '+351927946948', '+351927946950'],
  ['RO', '+40783900330', '+40783900332'],
  ['ES', '+34683783440', '+34683783442'],
  ['SE', '+46790645100', '+46790645102'],
  ['CH', '+41798075872', '+41798075874'],
  ['TW', '+886903444630', '+886903444632'],
  ['GB', '+447860019066', '+447860019067'],
  ['US', '+14254147755', '+14254147167'],
];

/** The simulator's failure numbers (their sends end undeliverable). */
export const EUM_SIMULATOR_FAILURE_NUMBERS: ReadonlySet<string> = new Set(SIMULATOR_NUMBERS.map((n) => n[2]));

const OUTCOMES = {
  delivered: {
    eventType: 'TEXT_DELIVERED',
    messageStatus: 'DELIVERED',
    messageStatusDescription: 'Message has been accepted by phone',
  },
  failed: {
    eventType: 'TEXT_CARRIER_UNREACHABLE',
    messageStatus: 'CARRIER_UNREACHABLE',
    messageStatusDescription: 'Carrier is unreachable',
  },
} as const;

/** What the event needs from the SendTextMessage request. */
export interface EumSmsSend {
  readonly to: string;
  readonly body: string;
  /** The origination identity the request named, if any. */
  readonly origination?: string;
  readonly messageType: string;
  /** The request's Context, echoed as is. */
  readonly context?: Readonly<Record<string, string>>;
}

/** GSM 03.38 basic characters (and the extension table's, which take two septets). */
const GSM = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;

function partsOf(body: string): { encoding: 'GSM' | 'UCS2'; parts: number } {
  if (GSM.test(body)) {
    const septets = [...body].reduce((n, c) => n + ('^{}\\[~]|€'.includes(c) ? 2 : 1), 0);
    return { encoding: 'GSM', parts: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  }
  const units = body.length;
  return { encoding: 'UCS2', parts: units <= 70 ? 1 : Math.ceil(units / 67) };
}

/** The events the service publishes for `send` (message `messageId`, sent at `sentAt`), at `at`. */
export function eumSmsReceiptEvents(
  send: EumSmsSend,
  messageId: string,
  sentAt: Date,
  at: Date,
): ReceiptEvent[] {
  const outcome = EUM_SIMULATOR_FAILURE_NUMBERS.has(send.to) ? OUTCOMES.failed : OUTCOMES.delivered;
  const { encoding, parts } = partsOf(send.body);
  const country = SIMULATOR_NUMBERS.find((n) => n[1] === send.to || n[2] === send.to)?.[0];
  return [
    {
      source: 'aws.sms-voice',
      detailType: 'Text Message Delivery Status Updated',
      detail: {
        ...outcome,
        eventVersion: '1.0',
        eventTimestamp: at.getTime(),
        isFinal: true,
        ...(send.origination ? { originationPhoneNumber: send.origination } : {}),
        destinationPhoneNumber: send.to,
        ...(country ? { isoCountryCode: country } : {}),
        messageId,
        messageRequestTimestamp: sentAt.getTime(),
        messageEncoding: encoding,
        messageType: send.messageType,
        ...(send.context ? { context: { ...send.context } } : {}),
        totalMessageParts: parts,
      },
    },
  ];
}
