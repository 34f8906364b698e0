/**
 * How many message parts an SMS body takes, which is what End User Messaging SMS counts against an
 * origination identity's MPS (message parts per second). GSM 03.38 bodies: 160 characters in one
 * part, 153 per part when split (the extension characters ^{}\[~]|€ and form feed take two); any
 * other character makes the body UCS-2: 70 UTF-16 code units in one part, 67 per part when split.
 */

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';
const basic = new Set(GSM_BASIC);
const extension = new Set(GSM_EXTENSION);

/** GSM 03.38 septets the body needs, or undefined when it has a character GSM cannot carry. */
function gsmSeptets(body: string): number | undefined {
  let septets = 0;
  for (const character of body) {
    if (basic.has(character)) septets += 1;
    else if (extension.has(character)) septets += 2;
    else return undefined;
  }
  return septets;
}

/** The message parts `body` is sent as (at least 1). */
export function smsPartsOf(body: string): number {
  const septets = gsmSeptets(body);
  if (septets !== undefined) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  const units = body.length; // UTF-16 code units: a character outside the BMP takes two
  return units <= 70 ? 1 : Math.ceil(units / 67);
}
