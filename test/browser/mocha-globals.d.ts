// The mocha globals @web/test-runner provides in browser tests (no @types/mocha needed).
type MochaDone = (error?: unknown) => void;
type MochaFn = (this: unknown, done: MochaDone) => void | Promise<unknown>;
declare function describe(title: string, fn: (this: unknown) => void): void;
declare function it(title: string, fn?: MochaFn): void;
declare function before(fn: MochaFn): void;
declare function after(fn: MochaFn): void;
declare function beforeEach(fn: MochaFn): void;
declare function afterEach(fn: MochaFn): void;
declare namespace describe {
  function skip(title: string, fn: (this: unknown) => void): void;
  function only(title: string, fn: (this: unknown) => void): void;
}
declare namespace it {
  function skip(title: string, fn?: MochaFn): void;
  function only(title: string, fn?: MochaFn): void;
}
