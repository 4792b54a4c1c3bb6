/** Departments (admins and owner): list with member counts, add, rename. */
import { Pencil, Plus } from "lucide-react";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Form } from "react-aria-components";

import { addDepartment, listDepartments, renameDepartment, toApiError } from "../../api";
import type { Department } from "../../bindings/Department";
import { AppDialog } from "../../components/AppDialog";
import { Banner } from "../../components/Banner";
import { Btn, IconButton, TextInput } from "../../components/controls";
import { toast } from "../../components/toasts";
import { plural, sentence } from "../../lib/text";
import { AdminView } from "./AdminView";

const CODE = /^[A-Za-z0-9_-]{1,32}$/;

export function DepartmentsView() {
  const [departments, setDepartments] = useState<Department[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [touched, setTouched] = useState(false);
  const [addError, setAddError] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<Department | null>(null);

  const load = useCallback(async () => {
    try {
      setDepartments(await listDepartments());
      setError(null);
    } catch (e) {
      setError(sentence(toApiError(e).message));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const codeError = CODE.test(code.trim()) ? null : "1 to 32 letters, digits, “-” or “_”, for example FIN.";
  const nameError = name.trim() === "" ? "Give the department a name." : null;

  async function add(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (codeError || nameError) return;
    setAddError(null);
    try {
      const d = await addDepartment(code.trim(), name.trim());
      toast(`Added department ${d.code}`);
      setCode("");
      setName("");
      setTouched(false);
      await load();
    } catch (err) {
      setAddError(sentence(toApiError(err).message));
    }
  }

  return (
    <AdminView
      id="departments"
      title="Departments"
      summary="Secrets are scoped to departments; members of a department can read its secrets."
    >
      {error && (
        <Banner tone="danger" live="assertive">
          {error}
        </Banner>
      )}
      {departments && (
        <table className="simple-table" data-testid="departments-table">
          <thead>
            <tr>
              <th>Code</th>
              <th>Name</th>
              <th>Members</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {departments.map((d) => (
              <tr key={d.id} data-testid={`department-row-${d.code}`}>
                <td>
                  <span className="chip chip-dept">{d.code}</span>
                </td>
                <td>{d.name}</td>
                <td className="muted">{plural(d.members, "member")}</td>
                <td className="row-actions">
                  <IconButton label={`Rename ${d.code}`} icon={<Pencil size={15} />} onPress={() => setRenaming(d)} testId={`rename-department-${d.code}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Form className="inline-form card" onSubmit={add} validationBehavior="aria">
        <h2 className="card-title">Add a department</h2>
        <div className="inline-form-row">
          <TextInput label="Code" value={code} onChange={setCode} error={touched ? codeError : null} testId="department-code" placeholder="FIN" maxLength={32} />
          <TextInput label="Name" value={name} onChange={setName} error={touched ? nameError : null} testId="department-name" placeholder="Finance" />
          <Btn type="submit" variant="primary" icon={<Plus size={16} />} testId="add-department">
            Add
          </Btn>
        </div>
        {addError && (
          <Banner tone="danger" live="assertive" testId="add-department-error">
            {addError}
          </Banner>
        )}
      </Form>
      {renaming && <RenameDialog department={renaming} onClose={() => setRenaming(null)} onDone={() => { setRenaming(null); void load(); }} />}
    </AdminView>
  );
}

function RenameDialog({ department, onClose, onDone }: { department: Department; onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState(department.name);
  const [error, setError] = useState<string | null>(null);

  async function save(e?: FormEvent) {
    e?.preventDefault();
    if (name.trim() === "") {
      setError("Give the department a name.");
      return;
    }
    try {
      await renameDepartment(department.code, name.trim());
      toast(`Renamed ${department.code}`);
      onDone();
    } catch (err) {
      setError(sentence(toApiError(err).message));
    }
  }

  return (
    <AppDialog
      isOpen
      onClose={onClose}
      title={`Rename ${department.code}`}
      size="small"
      testId="rename-department-dialog"
      footer={
        <>
          <Btn variant="secondary" onPress={onClose}>
            Cancel
          </Btn>
          <Btn variant="primary" type="submit" form="rename-form" testId="rename-department-save">
            Rename
          </Btn>
        </>
      }
    >
      <Form id="rename-form" onSubmit={save} validationBehavior="aria">
        <TextInput label="Name" value={name} onChange={setName} error={error} testId="rename-department-name" autoFocus />
      </Form>
    </AppDialog>
  );
}
