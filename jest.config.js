/** Tests run the TypeScript sources through esbuild (no ts-jest) and the function
 *  bundles from build/ through the local emulator. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': '<rootDir>/test/support/esbuild-transform.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  // 60 s: with three workers on two cores (and a machine that may be shared), a long end-to-end test such as
  // sweep-backlog's 205-item pass can take more than twice its time alone; a hang still fails.
  testTimeout: 60000,
  // jest's default is one worker fewer than the cores: 1 on the 2-core machines this runs on. A test file
  // keeps a core only partly busy (the test and the emulator wait on the function processes and back), so
  // three workers on two cores: both cores stay busy to the end (npm run bench:tests: 2 workers 119 s,
  // 3 workers 113 s, 4 workers no faster than 3 and more CPU).
  maxWorkers: 3,
};
