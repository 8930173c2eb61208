// Run after the tests of every file (jest setupFilesAfterEnv): each test
// file loads @docker/actions-toolkit afresh, and its Context makes a temp
// directory as it loads; the file's tests leave none behind.
import { afterAll } from '@jest/globals'
import { removeToolkitTempDirs } from '../../src/engine/toolkit.js'

afterAll(async () => {
  await removeToolkitTempDirs()
})
