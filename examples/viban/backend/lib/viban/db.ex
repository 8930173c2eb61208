defmodule Viban.DB do
  @moduledoc """
  PostgreSQL through psql, over the Unix socket that PGHOST, PGUSER and
  PGDATABASE name (peer authentication, no password): without hex there is
  no Postgrex. A statement is a file, of priv/sql when named by an atom;
  values reach it as psql variables, which it quotes as :'name', never
  spliced into its text.
  """

  @doc "Runs `statement` with `vars`: its output, or :error (psql says why on stderr)."
  def query(statement, vars \\ []), do: psql([statement], vars)

  @doc "Runs `statements` in one transaction, with `vars`: their output; raises when psql fails."
  def run!(statements, vars \\ []) do
    case psql(statements, vars) do
      {:ok, output} -> output
      :error -> raise "psql failed on #{Enum.map_join(statements, ", ", &file/1)}"
    end
  end

  defp file(statement) when is_atom(statement),
    do: Application.app_dir(:viban, "priv/sql/#{statement}.sql")

  defp file(path), do: path

  defp psql(statements, vars) do
    args =
      ["-X", "-A", "-t", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1"] ++
        Enum.flat_map(vars, fn {name, value} -> ["-v", "#{name}=#{value}"] end) ++
        Enum.flat_map(statements, &["-f", file(&1)])

    case System.cmd("psql", args) do
      {output, 0} -> {:ok, String.trim_trailing(output, "\n")}
      {_output, _status} -> :error
    end
  end
end
