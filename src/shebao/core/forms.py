"""The project's base for Django forms (sign-in boxes, the portal's account forms, the registry's admin
forms): typed text is judged as the business forms judge it (issue 15, review-input7 F7).

`VisibleTextForm`: a character no one can see (U+200B, U+202E, U+3164… the one table, `core.invisible`)
in any text input is said beside that input by name and position (`core.masking.invisible_problem`,
"姓名第2位是不可见的字符U+200B（零宽空格），…"), in place of whatever else the field would have said
("含有不可见的字符（U+200B）" without where, "不能含控制字符", a lookup that found nobody), and the box
is drawn again without it (`core.masking.shown_data`). A password box is not judged here (it is never
drawn again, and a sign-in says nothing about a password's characters).
"""

from __future__ import annotations

from django import forms

from shebao.core.masking import invisible_problems, shown_data


class VisibleTextForm:
    """Mix into a ``forms.Form`` or ``forms.ModelForm`` (before it: ``class F(VisibleTextForm,
    forms.Form)``). After the form's own cleaning, each bound text input holding an invisible character
    gets that one error (its label and the character's position) and leaves ``cleaned_data``; the
    form's data is then the data as drawn again (the characters removed), so no box shows them."""

    def _clean_fields(self) -> None:
        # After each field's own cleaning and before the form's `clean` and a model form's instance
        # (which would carry the value into the page's title): the input's one error, out of cleaned_data.
        super()._clean_fields()  # type: ignore[misc]
        labels = {self.add_prefix(name): str(field.label or name)  # type: ignore[attr-defined]
                  for name, field in self.fields.items()  # type: ignore[attr-defined]
                  if not isinstance(field.widget, forms.PasswordInput | forms.FileInput)}
        names = {self.add_prefix(name): name for name in self.fields}  # type: ignore[attr-defined]
        self._invisible_found = invisible_problems(self.data, labels)  # type: ignore[attr-defined]
        for key, problem in self._invisible_found.items():
            name = names[key]
            self._errors[name] = self.error_class([problem])  # type: ignore[attr-defined]
            self.cleaned_data.pop(name, None)  # type: ignore[attr-defined]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        if getattr(self, "_invisible_found", None):
            self.data = shown_data(self.data)  # every box drawn again without what is never shown


class VisibleModelForm(VisibleTextForm, forms.ModelForm):
    """The base of the admin's forms (``ModelAdmin.form``): a model form judged as `VisibleTextForm`."""
