/** Departments (admins and owner): list with member counts, add, rename. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Pencil, Plus } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Form } from "react-aria-components";

import { addDepartment, renameDepartment } from "../../api";
import type { Department } from "../../bindings/Department";
import { AppDialog } from "../../components/AppDialog";
import { Banner } from "../../components/Banner";
import { Btn, IconButton, TextInput } from "../../components/controls";
import { toast } from "../../components/toasts";
import { plural, sentence } from "../../lib/text";
import { invalidate, keys, useDepartments } from "../../queries";
import { AdminView } from "./AdminView";

const CODE = /^[A-Za-z0-9_-]{1,32}$/;

export function DepartmentsView() {
  const client = useQueryClient();
  const list = useDepartments();
  const departments = list.data ?? null;
  const error = list.error ? sentence(list.error.message) : null;
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [touched, setTouched] = useState(false);
  const [renaming, setRenaming] = useState<Department | null>(null);
  const add = useMutation({
    mutationFn: (d: { code: string; name: string }) => addDepartment(d.code, d.name),
    onSuccess: (d) => {
      toast(`Added department ${d.code}`);
      setCode("");
      setName("");
      setTouched(false);
      return invalidate(client, keys.departments);
    },
  });
  const addError = add.error ? sentence(add.error.message) : null;

  const codeError = CODE.test(code.trim()) ? null : "1 to 32 letters, digits, “-” or “_”, for example FIN.";
  const nameError = name.trim() === "" ? "Give the department a name." : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (codeError || nameError) return;
    add.mutate({ code: code.trim(), name: name.trim() });
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
      <Form className="inline-form card" onSubmit={submit} validationBehavior="aria">
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
      {renaming && <RenameDialog department={renaming} onClose={() => setRenaming(null)} onDone={() => setRenaming(null)} />}
    </AdminView>
  );
}

function RenameDialog({ department, onClose, onDone }: { department: Department; onClose: () => void; onDone: () => void }) {
  const client = useQueryClient();
  const [name, setName] = useState(department.name);
  const [empty, setEmpty] = useState(false);
  const rename = useMutation({
    mutationFn: (newName: string) => renameDepartment(department.code, newName),
    onSuccess: () => {
      toast(`Renamed ${department.code}`);
      onDone();
      return invalidate(client, keys.departments);
    },
  });
  const error = empty ? "Give the department a name." : rename.error ? sentence(rename.error.message) : null;

  function save(e?: FormEvent) {
    e?.preventDefault();
    setEmpty(name.trim() === "");
    if (name.trim() === "") return;
    rename.mutate(name.trim());
  }

  return (
    <AppDialog
      isOpen
      onClose={onClose}
      title={`Rename ${department.code}`}
      size="small"
      testId="rename-department-dialog"
      message={error ? { tone: "danger", text: error, testId: "rename-department-name-error" } : null}
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
        <TextInput label="Name" value={name} onChange={setName} testId="rename-department-name" autoFocus />
      </Form>
    </AppDialog>
  );
}
