-- Drives a headless Neovim whose init.lua is the Neovim snippet of docs/editors.md, as a
-- user would: open files, wait for the server's diagnostics, complete, go to definition,
-- rename, format, change a setting. Writes what it saw as JSON to $SWITCHY_TEST_OUT.
-- Run by tests/editors/test_neovim.py; every wait is for an event, bounded only so that
-- a broken setup fails instead of hanging.

local out = {}
local dir = vim.env.SWITCHY_TEST_DIR
local published = {}  -- uri -> how many publishDiagnostics arrived

local show = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
  published[result.uri] = (published[result.uri] or 0) + 1
  return show(err, result, ctx, config)
end

local function wait_for(what, ready)
  if not vim.wait(120000, ready, 20) then
    error("no " .. what)
  end
end

local function open(name)
  vim.cmd("edit " .. vim.fn.fnameescape(dir .. "/" .. name))
  local buf = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(buf)
  wait_for("diagnostics for " .. name, function() return published[uri] ~= nil end)
  return buf, uri
end

local function diagnostics(buf)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(list, { line = d.lnum + 1, column = d.col + 1, code = d.code, message = d.message })
  end
  table.sort(list, function(a, b) return a.line < b.line or (a.line == b.line and a.column < b.column) end)
  return list
end

local function request(buf, method, params)
  local answers, err = vim.lsp.buf_request_sync(buf, method, params, 120000)
  if answers == nil then
    error(method .. ": " .. tostring(err))
  end
  for _, answer in pairs(answers) do
    local refused = answer.err or answer.error  -- 0.8+ / 0.7
    if refused then
      return nil, refused.message
    end
    return answer.result
  end
end

local function at(buf, line, column)  -- 1-based, as shown in the editor
  return { textDocument = { uri = vim.uri_from_bufnr(buf) },
           position = { line = line - 1, character = column - 1 } }
end

local function run()
  local main = open("main.swr")
  out.filetype = vim.bo[main].filetype
  out.syntax = vim.bo[main].syntax
  out.main = diagnostics(main)
  if vim.env.SWITCHY_TEST_ONLY_OPEN then
    return
  end
  local client = vim.lsp.get_client_by_id(vim.lsp.get_active_clients()[1].id)
  out.clients = #vim.lsp.get_active_clients()
  out.init_options = client.config.init_options

  -- completion: line 3 is "    answr()"; after "ans"
  local completion = request(main, "textDocument/completion", at(main, 3, 8))
  local labels = {}
  for _, item in ipairs(completion.items or completion) do
    labels[item.label] = true
  end
  out.completes_answer = labels["answer"] == true

  -- definition of greet (line 1, in the route's target) is in the sibling lib.swr
  local definition = request(main, "textDocument/definition", at(main, 1, 17))
  local location = definition[1] or definition
  out.definition = { file = vim.fn.fnamemodify(vim.uri_to_fname(location.uri), ":t"),
                     line = location.range.start.line + 1, column = location.range.start.character + 1 }

  -- rename greet to welcome, in both files, as vim.lsp.buf.rename() applies it
  local edit = request(main, "textDocument/rename",
                       vim.tbl_extend("force", at(main, 1, 17), { newName = "welcome" }))
  vim.lsp.util.apply_workspace_edit(edit, client.offset_encoding)
  out.renamed_main = vim.api.nvim_buf_get_lines(main, 0, 1, false)[1]
  local lib = vim.fn.bufnr(dir .. "/lib.swr")
  out.renamed_lib = vim.api.nvim_buf_get_lines(lib, 0, 1, false)[1]
  local _, refused = request(main, "textDocument/rename",
                             vim.tbl_extend("force", at(main, 2, 1), { newName = "x" }))
  out.rename_keyword = refused

  -- formatting a messy file, and an empty one (which must stay unmodified)
  local messy = open("messy.swr")
  if vim.lsp.buf.format then vim.lsp.buf.format({ timeout_ms = 120000 }) else vim.lsp.buf.formatting_sync(nil, 120000) end
  out.formatted = vim.api.nvim_buf_get_lines(messy, 0, -1, false)
  local empty = open("empty.swr")
  if vim.lsp.buf.format then vim.lsp.buf.format({ timeout_ms = 120000 }) else vim.lsp.buf.formatting_sync(nil, 120000) end
  out.empty_modified = vim.bo[empty].modified
  out.empty = diagnostics(empty)

  -- a setting changed while the server runs: main.swr alone no longer knows welcome()
  -- (checks of earlier edits may still be on their way: wait for the one that knows it)
  client.config.settings.switchy.program = "file"
  client.notify("workspace/didChangeConfiguration", { settings = client.config.settings })
  wait_for("diagnostics of main.swr checked alone", function() return #vim.diagnostic.get(main) == 2 end)
  out.main_alone = diagnostics(main)
end

local ok, err = pcall(run)
if not ok then
  out.error = tostring(err)
end
vim.fn.writefile({ vim.fn.json_encode(out) }, vim.env.SWITCHY_TEST_OUT)
vim.cmd("qa!")
