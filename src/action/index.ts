// Entry of dist/index.js, for both the main and the post step: the main step
// marks the state, so the runner's second invocation knows it is the post.
import * as core from '@actions/core'
import { run } from './main.js'
import { cleanup } from './post.js'
import { STATE } from './state.js'

if (core.getState(STATE.isPost) === 'true') {
  await cleanup()
} else {
  core.saveState(STATE.isPost, 'true')
  await run()
}
