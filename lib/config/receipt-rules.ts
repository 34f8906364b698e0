/**
 * The EventBridge rules that feed the receipts Lambda: SES email events and End User Messaging SMS
 * text events. One definition for the CDK rules (lib/receipts.ts) and the local event bus, so the two
 * cannot drift. Event names: EventBridge events reference for SES ("Email Delivered" ...) and
 * AWS End User Messaging SMS-Voice ("Text Message Delivery Status Updated").
 */

/** An EventBridge event pattern (exact-value arrays, nested objects). */
export interface ReceiptRulePattern {
  readonly source: readonly string[];
  readonly 'detail-type': readonly string[];
}

/** SES events that can move a status (a delay moves none but is counted). */
export const SES_RECEIPT_PATTERN: ReceiptRulePattern = {
  source: ['aws.ses'],
  'detail-type': [
    'Email Delivered',
    'Email Bounced',
    'Email Complaint Received',
    'Email Rejected',
    'Email Delivery Delayed',
    'Email Rendering Failed',
  ],
};

/** End User Messaging SMS text message events. */
export const SMS_RECEIPT_PATTERN: ReceiptRulePattern = {
  source: ['aws.sms-voice'],
  'detail-type': ['Text Message Delivery Status Updated'],
};

/** Both rules, by name. */
export const RECEIPT_RULES = { SesReceipts: SES_RECEIPT_PATTERN, SmsReceipts: SMS_RECEIPT_PATTERN } as const;
