/** FakeVendor passes the same Vendor contract as HttpVendor against the mock vendor. */
import { describeVendorContract } from '../../fakes/contracts/vendor.contract.ts';
import { FakeVendor } from '../../fakes/fake-vendor.ts';

describeVendorContract(
  'FakeVendor',
  async () => {
    const vendor = new FakeVendor('fake-a');
    return {
      vendor,
      setFaults: async (faults) => vendor.setFaults(faults),
      deliveredIds: () => vendor.deliveries.map((message) => message.deliveryId),
      close: async () => {},
    };
  },
  { isGenericProtocol: true },
);
