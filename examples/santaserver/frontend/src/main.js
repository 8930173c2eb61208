// The SPA: lists the rules from /api and keeps a WebSocket open to /api/ws.
async function showRules() {
  const rules = await (await fetch('/api/rules')).json()
  document.getElementById('rules').replaceChildren(
    ...rules.map(rule => {
      const item = document.createElement('li')
      item.textContent = `${rule.policy} ${rule.rule_type} ${rule.identifier}`
      return item
    })
  )
}

function connectLive() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const socket = new WebSocket(`${scheme}://${location.host}/api/ws`)
  socket.addEventListener('open', () => socket.send('hello'))
  socket.addEventListener('message', event => {
    document.getElementById('live').textContent = `live: ${event.data}`
  })
}

showRules()
connectLive()
