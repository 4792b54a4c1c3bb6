/**
 * "Who gets what": for a key (and optionally a department and, for admins,
 * another user), every candidate secret, where it stands, which one `get`
 * returns and the rule that decided. Never values.
 */
import { Crown, Search } from "lucide-react";
import { startTransition, useActionState, useState, type FormEvent } from "react";
import { Form } from "react-aria-components";

import { explain, toApiError } from "../../api";
import type { Candidate } from "../../bindings/Candidate";
import type { Explanation } from "../../bindings/Explanation";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { Banner } from "../../components/Banner";
import { Btn, SelectField, TextInput } from "../../components/controls";
import { RULE_TEXT, STANDING_TEXT } from "../../lib/explain";
import { departmentsLabel, isAdmin, userScopeLabel } from "../../lib/scope";
import { exactTime, formatDate, relativeTime } from "../../lib/time";
import { sentence } from "../../lib/text";
import { useDepartments, useUsers } from "../../queries";
import { AdminView } from "./AdminView";

const NONE = "__none__";

interface Question {
  key: string;
  department: string | null;
  asUser: string | null;
}

type Answer = { result: Explanation | null; error: string | null; key: string };

/** Asks the core; the previous answer stays on screen until the next one is in. */
async function ask(_previous: Answer, q: Question): Promise<Answer> {
  try {
    return { result: await explain(q.key, q.department, q.asUser), error: null, key: q.key };
  } catch (e) {
    return { result: null, error: sentence(toApiError(e).message), key: q.key };
  }
}

/**
 * A candidate in words. Every candidate has the key asked about, so its
 * scope and creator tell them apart (a secret's id appears nowhere else
 * in the app).
 */
export function candidateLabel(c: Candidate): string {
  const users = c.scope.users === "creator" ? `private to ${c.creator}` : "all users";
  const depts = c.scope.departments.kind === "all" ? "all departments" : c.scope.departments.codes.join(", ");
  return `${depts}, ${users}`;
}

export function ExplainView({ session }: { session: SessionInfo }) {
  const admin = isAdmin(session.user.role);
  const [key, setKey] = useState("");
  const [department, setDepartment] = useState(NONE);
  const [asUser, setAsUser] = useState(NONE);
  const [keyError, setKeyError] = useState<string | null>(null);
  const [{ result, error, key: askedKey }, run, busy] = useActionState(ask, { result: null, error: null, key: "" });
  const winner = result?.candidates.find((c) => c.id === result.winner) ?? null;
  // Admins may ask about any department and user; members about their own departments.
  const allDepartments = useDepartments(admin);
  const departments = admin && allDepartments.data ? allDepartments.data.map((d) => d.code) : session.user.departments;
  const users = useUsers(admin).data?.map((u) => u.username) ?? [];

  function submit(e: FormEvent) {
    e.preventDefault();
    if (key.trim() === "") {
      setKeyError("Enter the key a script asks for, e.g. DB_PASSWORD.");
      return;
    }
    setKeyError(null);
    const q = { key: key.trim(), department: department === NONE ? null : department, asUser: asUser === NONE ? null : asUser };
    startTransition(() => run(q));
  }

  const now = Date.now();
  return (
    <AdminView
      id="explain"
      title="Who gets what"
      summary="Which secret a script gets for a key: the most specific one the person running it can read."
    >
      <Form className="inline-form card" onSubmit={submit} validationBehavior="aria">
        <div className="inline-form-row">
          <TextInput label="Key" value={key} onChange={setKey} error={keyError} testId="explain-key" placeholder="DB_PASSWORD" autoFocus />
          <SelectField
            label="Department"
            value={department}
            onChange={setDepartment}
            options={[{ id: NONE, label: "Primary department" }, ...departments.map((d) => ({ id: d, label: d }))]}
            testId="explain-department"
          />
          {admin && (
            <SelectField
              label="As user"
              value={asUser}
              onChange={setAsUser}
              options={[{ id: NONE, label: `Me (${session.user.username})` }, ...users.filter((u) => u !== session.user.username).map((u) => ({ id: u, label: u }))]}
              testId="explain-user"
            />
          )}
          <Btn type="submit" variant="primary" icon={<Search size={16} />} isDisabled={busy} testId="explain-submit">
            Explain
          </Btn>
        </div>
      </Form>
      {error && (
        <Banner tone="danger" live="assertive" testId="explain-error">
          {error}
        </Banner>
      )}
      {result && (
        <div className="explain-result" data-testid="explain-result">
          <p className="explain-summary">
            For <strong>{result.for_user}</strong>
            {result.context_department ? (
              <>
                {" "}in <strong>{result.context_department}</strong>
              </>
            ) : null}
            :{" "}
            {winner !== null ? (
              <>
                <code>get {askedKey}</code> returns the one for <strong>{candidateLabel(winner)}</strong>, created by {winner.creator}
                {result.candidates.length > 1 ? " (rank 1 below)" : ""}.
              </>
            ) : result.winner !== null ? (
              <>
                <code>get {askedKey}</code> returns a secret not listed here.
              </>
            ) : (
              <>
                <code>get {askedKey}</code> returns nothing.
              </>
            )}
          </p>
          {result.rule && (
            <p className="explain-rule" data-testid="explain-rule">
              {RULE_TEXT[result.rule]}
            </p>
          )}
          {result.not_a_member && (
            <Banner tone="warning" testId="explain-not-a-member">
              {result.for_user} does not belong to {result.context_department ?? "that department"}, so <code>get</code> with it returns nothing.
            </Banner>
          )}
          {result.private_secrets_hidden && (
            <Banner tone="info" testId="explain-private-hidden">
              {result.for_user}'s private secrets cannot be seen by anyone else. If they have a private secret with this key, it wins over everything listed here.
            </Banner>
          )}
          {result.candidates.length === 0 ? (
            <p className="empty-note">No secret has this key.</p>
          ) : (
            <table className="simple-table" data-testid="explain-candidates">
              <thead>
                <tr>
                  <th>Rank</th>
                  <th>Departments</th>
                  <th>Users</th>
                  <th>Created by</th>
                  <th>Expires</th>
                  <th>Updated</th>
                  <th>Standing</th>
                </tr>
              </thead>
              <tbody>
                {result.candidates.map((c) => (
                  <tr key={c.id} className={c.id === result.winner ? "is-winner" : c.rank === null ? "is-dormant" : ""} data-testid={`candidate-${c.id}`}>
                    <td>
                      {c.rank ?? "—"}
                      {c.id === result.winner && <Crown size={14} className="winner-icon" aria-label="winner" />}
                    </td>
                    <td>{departmentsLabel(c.scope)}</td>
                    <td>{c.scope.users === "creator" ? "Private" : userScopeLabel(c.scope)}</td>
                    <td>{c.creator}</td>
                    <td>{c.expires_at === null ? "—" : formatDate(c.expires_at - 1)}</td>
                    <td title={exactTime(c.updated_at)}>{relativeTime(c.updated_at, now)}</td>
                    <td>
                      <span className={`badge ${c.standing === "winner" ? "badge-success" : c.standing === "outranked" ? "badge-neutral" : "badge-warning"}`}>
                        {STANDING_TEXT[c.standing]}
                      </span>
                      {!c.active && c.standing !== "inactive" && <span className="muted small"> inactive</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </AdminView>
  );
}
