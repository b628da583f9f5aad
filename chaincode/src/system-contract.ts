import { Context, Contract, Info, Transaction } from 'fabric-contract-api';

/** Liveness and identity introspection: who does the chaincode think the caller is? */
@Info({ title: 'SystemContract', description: 'Liveness and caller identity' })
export class SystemContract extends Contract {
  constructor() {
    super('system');
  }

  @Transaction(false)
  public whoAmI(ctx: Context): string {
    const id = ctx.clientIdentity;
    return JSON.stringify({
      mspId: id.getMSPID(),
      /** The id the chaincode binds registrations to (`x509::<subject>::<issuer>`). */
      id: id.getID(),
      role: id.getAttributeValue('cityledger.role'),
      department: id.getAttributeValue('cityledger.department'),
    });
  }
}
