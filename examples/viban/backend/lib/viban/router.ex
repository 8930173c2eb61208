defmodule Viban.Router do
  @moduledoc """
  The API under /api, /health, and the single-page app (the frontend stage's
  build, in the release's public/) for every other path.
  """
  alias Viban.DB

  @json "application/json"
  @types %{
    ".html" => "text/html; charset=utf-8",
    ".js" => "text/javascript",
    ".css" => "text/css"
  }

  def handle(:GET, "/health", _body) do
    case DB.query(:health) do
      {:ok, _} -> {200, @json, ~s({"status":"ok"})}
      :error -> {503, @json, ~s({"status":"no database"})}
    end
  end

  def handle(:GET, "/api/boards", _body), do: respond(200, DB.query(:list_boards))

  def handle(:POST, "/api/boards", body) do
    case JSON.decode(body) do
      {:ok, %{"name" => name}} when is_binary(name) and name != "" ->
        respond(201, DB.query(:create_board, name: name))

      _ ->
        {400, @json, ~s({"error":"a board needs a name"})}
    end
  end

  def handle(_method, "/api/" <> _, _body), do: {404, @json, ~s({"error":"not found"})}

  def handle(:GET, path, _body), do: static(path)

  def handle(_method, _path, _body), do: {405, "text/plain", "method not allowed\n"}

  # The statements answer with the JSON to send; psql's own message is in the log.
  defp respond(status, {:ok, json}), do: {status, @json, json}
  defp respond(_status, :error), do: {500, @json, ~s({"error":"database error"})}

  defp static(path) do
    public = Path.join(System.get_env("RELEASE_ROOT", File.cwd!()), "public")

    file =
      with {:ok, relative} <- Path.safe_relative(String.trim_leading(path, "/")),
           file = Path.join(public, relative),
           true <- File.regular?(file) do
        file
      else
        # Single-page app: any other path is the app's own route.
        _ -> Path.join(public, "index.html")
      end

    case File.read(file) do
      {:ok, content} ->
        {200, Map.get(@types, Path.extname(file), "application/octet-stream"), content}

      {:error, _} ->
        {404, "text/plain", "not found\n"}
    end
  end
end
