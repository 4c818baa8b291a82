import { useState } from "preact/hooks";
import { errorText, type Project, type Role } from "../api";
import { useApp } from "../state/context";
import { useLoader } from "../state/hooks";

/** Who may annotate this project: members; add existing users or create new ones. */
export function MembersPanel({ project }: { project: Project }) {
  const { api } = useApp();
  const members = useLoader(() => api.listMembers(project.id), `m${project.id}`);
  const users = useLoader(() => api.listUsers(), "users");
  const [pick, setPick] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("annotator");
  const [addNew, setAddNew] = useState(true);
  const [created, setCreated] = useState<string | null>(null);

  const memberIds = new Set((members.data ?? []).map((m) => m.id));
  const candidates = (users.data ?? []).filter((u) => !memberIds.has(u.id));

  const add = async (userId: number): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const u = await api.addMember(project.id, userId);
      members.setData((prev) => [...(prev ?? []).filter((m) => m.id !== u.id), u]);
      setPick("");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    setCreated(null);
    if (!/^[^@\s]+@[^@\s]+$/.test(email.trim())) {
      setError("Enter a valid email address.");
      return;
    }
    if (password.length < 8) {
      setError("The password needs at least 8 characters.");
      return;
    }
    setBusy(true);
    try {
      const u = await api.createUser({ email: email.trim(), password, role });
      users.setData((prev) => [...(prev ?? []), u]);
      if (addNew) {
        const m = await api.addMember(project.id, u.id);
        members.setData((prev) => [...(prev ?? []), m]);
      }
      setCreated(`Created ${u.email}${addNew ? " and added them to this project" : ""}.`);
      setEmail("");
      setPassword("");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="grid-2">
      <div class="card">
        <div class="card-head">
          <h2>Members</h2>
          <span class="muted small">annotators see only the projects they belong to; admins see all</span>
        </div>
        {members.error && <div class="alert alert-error inset">{members.error}</div>}
        {members.data === null ? (
          <p class="muted pad">Loading…</p>
        ) : members.data.length === 0 ? (
          <p class="muted pad">No members yet.</p>
        ) : (
          <ul class="member-list" data-testid="member-list">
            {members.data.map((m) => (
              <li key={m.id}>
                <span class="avatar" aria-hidden="true">
                  {m.email.slice(0, 1).toUpperCase()}
                </span>
                <span class="member-email">{m.email}</span>
                <span class={`role role-${m.role}`}>{m.role}</span>
              </li>
            ))}
          </ul>
        )}
        <div class="form-body inline-form">
          <select value={pick} onChange={(e) => setPick(e.currentTarget.value)} data-testid="member-pick" disabled={candidates.length === 0}>
            <option value="">{candidates.length === 0 ? "Everyone is a member" : "Add an existing user…"}</option>
            {candidates.map((u) => (
              <option key={u.id} value={String(u.id)}>
                {u.email} ({u.role})
              </option>
            ))}
          </select>
          <button type="button" class="btn" disabled={busy || pick === ""} onClick={() => void add(Number(pick))} data-testid="member-add">
            Add
          </button>
        </div>
      </div>

      <form class="card form" onSubmit={(e) => void create(e)} noValidate data-testid="create-user">
        <div class="card-head">
          <h2>New user</h2>
        </div>
        <div class="form-body">
          <label class="field">
            <span class="field-label">Email</span>
            <input type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} autoComplete="off" data-testid="new-user-email" />
          </label>
          <label class="field">
            <span class="field-label">Initial password</span>
            <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" data-testid="new-user-password" />
            <span class="field-hint">At least 8 characters; share it with them privately.</span>
          </label>
          <label class="field">
            <span class="field-label">Role</span>
            <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
              <option value="annotator">Annotator</option>
              <option value="admin">Admin</option>
            </select>
          </label>
          <label class="check-field">
            <input type="checkbox" checked={addNew} onChange={(e) => setAddNew(e.currentTarget.checked)} />
            <span>Add to this project</span>
          </label>
          {error && (
            <div class="alert alert-error" role="alert">
              {error}
            </div>
          )}
          {created && (
            <div class="alert alert-ok" role="status">
              {created}
            </div>
          )}
        </div>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="new-user-submit">
            Create user
          </button>
        </div>
      </form>
    </div>
  );
}
