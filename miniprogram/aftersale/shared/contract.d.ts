// Types of contract.js (generated): the very sources it is bundled from.
export * from '../../../scripts/miniprogram/contract-entry';
