-- The payment ledger: every captured charge and refund, in minor units of its currency.
create table currencies (
    code text primary key,
    minor_units integer not null
);
insert into currencies values ('EUR', 2), ('USD', 2), ('JPY', 0);

create table ledger (
    id serial primary key,
    customer text not null,
    kind text not null check (kind in ('charge', 'refund')),
    amount_minor bigint not null check (amount_minor > 0),
    currency text not null references currencies (code)
);
