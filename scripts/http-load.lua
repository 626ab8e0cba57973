-- wrk script: stateless 2026-07-28 tools/call search_references, one request after another per
-- connection, rotating through the retrieval evaluation's real questions. Every answer is checked:
-- HTTP 200 with a JSON-RPC result that is not a tool error; anything else is counted and printed
-- by done().
--
--   wrk -t1 -c16 -d10s --latency -s scripts/http-load.lua http://127.0.0.1:8765/mcp

-- The questions engineers actually asked (issue and Q&A titles, verbatim), the retrieval
-- evaluation's real set: the third column of tests/retrieval/real_questions.tsv, also what
-- examples/search_probe.rs times as the load test's questions.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local queries = {}
local header = true
for line in io.lines(here .. "../tests/retrieval/real_questions.tsv") do
  if header then
    header = false
  elseif line ~= "" then
    local question = select(3, line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)"))
    if question and question ~= "" then
      table.insert(queries, question)
    end
  end
end
assert(#queries > 0, "no questions read from tests/retrieval/real_questions.tsv")

-- A JSON string's contents: quotes, backslashes and control characters escaped.
local function json_escape(text)
  return (text:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", c:byte())
  end))
end

local bodies = {}
for i, q in ipairs(queries) do
  bodies[i] = '{"jsonrpc":"2.0","id":' .. i .. ',"method":"tools/call","params":{"name":"search_references",'
    .. '"arguments":{"query":"' .. json_escape(q) .. '","limit":3},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
    .. '"io.modelcontextprotocol/clientCapabilities":{}}}}'
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  bad = 0
  first_bad = ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json, text/event-stream"
  wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
  wrk.headers["Mcp-Method"] = "tools/call"
  wrk.headers["Mcp-Name"] = "search_references"
end

function request()
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1])
end

function response(status, headers, body)
  if status ~= 200 or not body:find('"result"', 1, true) or body:find('"isError":true', 1, true) then
    bad = bad + 1
    if first_bad == "" then
      first_bad = status .. " " .. body:sub(1, 200)
    end
  end
end

function done(summary, latency, requests)
  local total_bad = 0
  local example = ""
  for _, t in ipairs(threads) do
    total_bad = total_bad + t:get("bad")
    local fb = t:get("first_bad")
    if example == "" and fb ~= nil and fb ~= "" then example = fb end
  end
  io.write(string.format("load: requests=%d bad_answers=%d socket_errors=%d timeouts=%d\n",
    summary.requests, total_bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status,
    summary.errors.timeout))
  io.write(string.format("load: p50_ms=%.3f p99_ms=%.3f max_ms=%.3f rps=%.1f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6)))
  if example ~= "" then io.write("load: first bad answer: " .. example .. "\n") end
end
