// The database over its Unix socket: DATABASE_URL is
// postgresql://viban@/viban?host=/run/postgresql, peer authentication, no
// password anywhere.
import pg from 'pg'

export function connect() {
  return new pg.Client({ connectionString: process.env.DATABASE_URL })
}
