defmodule Viban.MixProject do
  use Mix.Project

  # No hex dependencies: OTP's :gen_tcp serves HTTP, psql reaches the
  # database, Elixir's own JSON reads request bodies (hence ~> 1.18).
  def project do
    [
      app: :viban,
      version: "0.1.0",
      elixir: "~> 1.18",
      start_permanent: Mix.env() == :prod,
      deps: [],
      releases: [viban: [include_executables_for: [:unix]]]
    ]
  end

  def application do
    [mod: {Viban.Application, []}, extra_applications: [:logger]]
  end
end
