import { Logo } from "./Logo";
import { useState } from "preact/hooks";
import { ApiError, errorText, type ApiClient } from "../api";

interface Props {
  api: ApiClient;
  onLoggedIn: (token: string) => void;
  initialEmail?: string;
  title?: string;
  titleId?: string;
  notice?: string | null;
  onCancel?: () => void;
}

export function LoginForm({ api, onLoggedIn, initialEmail = "", title, titleId, notice, onCancel }: Props) {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    if (email.trim() === "" || password === "") {
      setError("Enter your email and password.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await api.login(email.trim(), password);
      setPassword("");
      onLoggedIn(res.access_token);
    } catch (err) {
      setError(
        err instanceof ApiError && (err.status === 401 || err.status === 400)
          ? "Incorrect email or password."
          : errorText(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="login-card" onSubmit={(e) => void submit(e)} noValidate>
      <div class="brand brand-lg" aria-hidden="true">
        <Logo size={26} />
        segloop
      </div>
      <h1 id={titleId} class="login-title">
        {title ?? "Sign in"}
      </h1>
      <p class="login-sub">{notice ?? "Active domain adaptation for semantic segmentation"}</p>
      <label class="field">
        <span class="field-label">Email</span>
        <input
          data-testid="login-email"
          type="email"
          name="username"
          autoComplete="username"
          required
          autoFocus={initialEmail === ""}
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span class="field-label">Password</span>
        <input
          data-testid="login-password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          autoFocus={initialEmail !== ""}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      {error && (
        <div class="alert alert-error" role="alert" data-testid="login-error">
          {error}
        </div>
      )}
      <button
        data-testid="login-submit"
        class="btn btn-primary btn-block"
        type="submit"
        disabled={busy}
      >
        {busy ? "Signing in…" : "Sign in"}
      </button>
      {onCancel && (
        <button type="button" class="btn btn-ghost btn-block" onClick={onCancel}>
          Sign out instead
        </button>
      )}
    </form>
  );
}
