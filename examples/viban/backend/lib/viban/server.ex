defmodule Viban.Server do
  @moduledoc """
  HTTP/1.1 on OTP's own :gen_tcp and its HTTP packet parser (no Phoenix or
  Plug without hex): one request per connection, each in its own task.
  """
  use Task, restart: :permanent
  require Logger

  # A client that stops sending mid-request loses its connection, not a process.
  @timeout 10_000
  @reasons %{
    200 => "OK",
    201 => "Created",
    400 => "Bad Request",
    404 => "Not Found",
    405 => "Method Not Allowed",
    500 => "Internal Server Error",
    503 => "Service Unavailable"
  }

  def start_link(port), do: Task.start_link(__MODULE__, :listen, [port])

  def listen(port) do
    {:ok, socket} =
      :gen_tcp.listen(port, [:binary, packet: :http_bin, active: false, reuseaddr: true])

    Logger.info("viban listening on port #{port}")
    accept(socket)
  end

  defp accept(socket) do
    {:ok, client} = :gen_tcp.accept(socket)
    {:ok, pid} = Task.Supervisor.start_child(Viban.RequestSupervisor, fn -> serve(client) end)
    :ok = :gen_tcp.controlling_process(client, pid)
    accept(socket)
  end

  defp serve(client) do
    {status, type, body} =
      case read_request(client) do
        {:ok, method, target, body} -> Viban.Router.handle(method, URI.parse(target).path, body)
        {:error, _} -> {400, "text/plain", "bad request\n"}
      end

    :gen_tcp.send(client, [
      ["HTTP/1.1 ", Integer.to_string(status), " ", @reasons[status], "\r\n"],
      ["content-type: ", type, "\r\n"],
      ["content-length: ", Integer.to_string(IO.iodata_length(body)), "\r\n"],
      "connection: close\r\n\r\n",
      body
    ])

    :gen_tcp.close(client)
  end

  defp read_request(client) do
    with {:ok, {:http_request, method, {:abs_path, target}, _version}} <-
           :gen_tcp.recv(client, 0, @timeout),
         {:ok, length} <- read_headers(client, 0),
         {:ok, body} <- read_body(client, length) do
      {:ok, method, target, body}
    else
      other -> {:error, other}
    end
  end

  # Only the body's length matters here.
  defp read_headers(client, length) do
    case :gen_tcp.recv(client, 0, @timeout) do
      {:ok, {:http_header, _, :"Content-Length", _, value}} ->
        case Integer.parse(value) do
          {length, ""} when length >= 0 -> read_headers(client, length)
          _ -> {:error, :content_length}
        end

      {:ok, {:http_header, _, _, _, _}} ->
        read_headers(client, length)

      {:ok, :http_eoh} ->
        {:ok, length}

      other ->
        {:error, other}
    end
  end

  defp read_body(_client, 0), do: {:ok, ""}

  defp read_body(client, length) do
    :ok = :inet.setopts(client, packet: :raw)
    :gen_tcp.recv(client, length, @timeout)
  end
end
