// ESM all the way: @actions/* are ESM-only, so tests run as ES modules
// (node --experimental-vm-modules, set by the npm scripts) through ts-jest.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  // Integration tests build and boot real images; they share one engine.
  maxWorkers: 1,
  globalTeardown: '<rootDir>/scripts/jest-open-handles.mjs',
  setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/toolkit-temp.ts'],
  testTimeout: 30000,
  reporters: ['default']
}
