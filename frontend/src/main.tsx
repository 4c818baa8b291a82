import { render } from "preact";
import { ApiClient } from "./api";
import { AuthGate, TokenStore } from "./auth";
import { App } from "./components/App";
import type { Services } from "./context";
import { DraftStore } from "./draft";
import "./styles.css";

function storage(kind: "localStorage" | "sessionStorage"): Storage | null {
  try {
    return window[kind];
  } catch {
    return null;
  }
}

const tokens = new TokenStore(storage("localStorage"));
const gate = new AuthGate();
const api = new ApiClient({
  getToken: () => tokens.get(),
  onUnauthorized: () => {
    tokens.clear();
    return gate.waitForLogin();
  },
});
const services: Services = { api, tokens, gate, drafts: new DraftStore(storage("sessionStorage")) };

const root = document.getElementById("app");
if (root) render(<App services={services} />, root);
