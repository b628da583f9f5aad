import { SystemContract } from './system-contract';

export { SystemContract };
export const contracts: unknown[] = [SystemContract];
