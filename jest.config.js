/** Tests run the TypeScript sources through esbuild (no ts-jest) and the function
 *  bundles from build/ through the local emulator. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': '<rootDir>/test/support/esbuild-transform.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 30000,
  // jest's default is one worker fewer than the cores: 1 on the 2-core machines this runs on. The
  // slow files (the model test, the functions end to end) keep a core only about half busy (the
  // test and the emulator wait on the function processes and back), so two workers, one per core.
  maxWorkers: 2,
};
