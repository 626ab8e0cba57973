#!/usr/bin/env node
// Starts the prebuilt backend-engineering-mcp binary for this platform. npm installs exactly one of
// the optional dependencies below (each declares its own `os` and `cpu`), so nothing is downloaded
// at install time and no install script runs. stdin, stdout and stderr are handed to the binary
// unchanged: stdout carries the MCP protocol.
"use strict";

const { spawn } = require("child_process");
const path = require("path");

const PACKAGES = {
  "darwin-arm64": "@backend-engineering-mcp/darwin-arm64",
  "darwin-x64": "@backend-engineering-mcp/darwin-x64",
  "linux-arm64": "@backend-engineering-mcp/linux-arm64",
  "linux-x64": "@backend-engineering-mcp/linux-x64",
  "win32-x64": "@backend-engineering-mcp/win32-x64",
};

function binaryPath() {
  // An explicit binary wins: for testing a local build, or a platform we do not ship.
  if (process.env.BACKEND_ENGINEERING_MCP_BINARY) {
    return process.env.BACKEND_ENGINEERING_MCP_BINARY;
  }
  const key = `${process.platform}-${process.arch}`;
  const name = PACKAGES[key];
  if (!name) {
    throw new Error(
      `no prebuilt backend-engineering-mcp for ${key} (built for: ${Object.keys(PACKAGES).join(", ")}); ` +
        "build it with `cargo install backend-engineering-mcp` and run that binary instead"
    );
  }
  let manifest;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    throw new Error(
      `the package ${name} is not installed; npm skips optional dependencies with ` +
        "--omit=optional or --no-optional: reinstall without that flag"
    );
  }
  const exe = process.platform === "win32" ? ".exe" : "";
  return path.join(path.dirname(manifest), "bin", `backend-engineering-mcp${exe}`);
}

function main() {
  let binary;
  try {
    binary = binaryPath();
  } catch (error) {
    process.stderr.write(`backend-engineering-mcp: ${error.message}\n`);
    process.exit(1);
  }
  const child = spawn(binary, process.argv.slice(2), { stdio: "inherit", windowsHide: true });
  // A client that stops the server signals this process; pass the signal on so the binary shuts
  // down instead of being orphaned.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on("error", (error) => {
    process.stderr.write(`backend-engineering-mcp: cannot start ${binary}: ${error.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      // Die of the same signal, so the caller sees what the binary saw.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code === null ? 1 : code);
  });
}

main();
