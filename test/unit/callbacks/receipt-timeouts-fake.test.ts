import { describeReceiptTimeoutsContract } from '../../fakes/contracts/receipt-timeouts.contract.ts';
import { InMemoryReceiptTimeouts } from '../../fakes/in-memory-receipt-timeouts.ts';

describeReceiptTimeoutsContract(
  'InMemoryReceiptTimeouts',
  async (options) => new InMemoryReceiptTimeouts(options),
);
