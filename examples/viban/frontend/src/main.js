// The SPA: lists the boards from the API.
const boards = await (await fetch('/api/boards')).json()
document.getElementById('boards').replaceChildren(
  ...boards.map(board => {
    const item = document.createElement('li')
    item.textContent = board.name
    return item
  })
)
