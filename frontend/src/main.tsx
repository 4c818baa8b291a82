import { render } from "preact";
import { ApiClient } from "./api";
import { AuthGate, TokenStore } from "./state/auth";
import { App } from "./components/App";
import type { Services } from "./state/context";
import { CurrentTaskStore, SubmittedCache } from "./domain/draft";
import { ClassLetterStore } from "./domain/keys";
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
const local = storage("localStorage");
const services: Services = {
  api,
  tokens,
  gate,
  currentTasks: new CurrentTaskStore(local),
  letters: new ClassLetterStore(local),
  submitted: new SubmittedCache(storage("sessionStorage")),
};

const root = document.getElementById("app");
if (root) render(<App services={services} />, root);
