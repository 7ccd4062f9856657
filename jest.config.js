/** Tests run the TypeScript sources through esbuild (no ts-jest) and the function
 *  bundles from build/ through the local emulator. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': '<rootDir>/test/support/esbuild-transform.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  // 60 s: with two workers on two cores (and a machine that may be shared), a long end-to-end test such as
  // sweep-backlog's 205-item pass can take more than twice its time alone; a hang still fails.
  testTimeout: 60000,
  // jest's default is one worker fewer than the cores: 1 on the 2-core machines this runs on. The
  // slow files (the model test, the functions end to end) keep a core only about half busy (the
  // test and the emulator wait on the function processes and back), so two workers, one per core.
  maxWorkers: 3,
};
