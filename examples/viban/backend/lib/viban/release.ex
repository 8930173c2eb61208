defmodule Viban.Release do
  @moduledoc """
  Run by the release outside the app: `bin/viban eval "Viban.Release.migrate()"`,
  before every start (aio.yml's migrate-command).
  """
  alias Viban.DB

  @doc "Applies the migrations of priv/migrations not applied yet, in order, and records the run."
  def migrate do
    dir = Application.app_dir(:viban, "priv/migrations")
    DB.run!([:migrations_setup])
    done = DB.run!([:applied_migrations]) |> String.split("\n", trim: true)

    pending =
      dir
      |> File.ls!()
      |> Enum.filter(&String.ends_with?(&1, ".sql"))
      |> Enum.reject(&(&1 in done))
      |> Enum.sort()

    # Each migration with its record, in one transaction: applied once, or not at all.
    for file <- pending do
      DB.run!([Path.join(dir, file), :record_migration], version: file)
      IO.puts("migrate: applied #{file}")
    end

    DB.run!([:record_run], applied: length(pending))
    IO.puts("migrate: #{length(pending)} applied, #{length(done)} already there")
  end
end
